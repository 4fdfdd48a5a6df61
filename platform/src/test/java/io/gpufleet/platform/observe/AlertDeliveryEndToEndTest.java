package io.gpufleet.platform.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.gpufleet.exporter.NodeExporter;
import io.gpufleet.exporter.config.ExporterConfig;
import io.gpufleet.platform.exporter.ExporterRuntime;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole observe path with real parts: simulated exporters (in process) → a real Prometheus scraping them
 * with the shipped rules → a real Alertmanager with the shipped example configuration → a webhook in this test.
 *
 * <p>Timing for the test: scrape and evaluation every 1 s, exporters collect every 250 ms, a test copy of the
 * rules with every {@code for:} at 1 s and the XID window at 30 s ({@link TestRules}; the exporters run with
 * {@code --xid-window 30s} to match), Alertmanager's group_wait and group_interval at 1 s
 * ({@link TestAlertmanager#testConfig}). Production values are in alerts/.
 */
@Tag("e2e")
class AlertDeliveryEndToEndTest {
    private static final String XID_NODE = "sim-node-00";
    private static final int XID_GPU = 1;
    /** The GPU the Node and GPU dashboard is checked on: an A100 SXM with NVLinks, an application XID and work. */
    private static final String DASH_NODE = "sim-node-01";
    private static final int DASH_GPU = 2;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void xid79ReachesTheWebhookAsCriticalThenResolvesAndEveryDashboardQueryReturnsData(@TempDir Path dir) throws Exception {
        long testStart = System.nanoTime();
        ExporterConfig config = ExporterConfig.resolve(Map.of("simulate", "4", "simulate-nodes", "3", "port", "0",
                "bind-address", "127.0.0.1", "interval", "250ms", "slow-interval", "1s", "kubernetes", "off",
                "xid-window", "30s"), Map.of());
        Path rules = Files.createDirectories(dir.resolve("rules"));
        List<Path> ruleCopies = TestRules.copy(ObserveFiles.ruleFiles(), rules, "1s", 30);
        try (ExporterRuntime fleet = ExporterRuntime.start(config, Clock.systemUTC());
             Webhook webhook = new Webhook();
             TestAlertmanager am = TestAlertmanager.start(dir, TestAlertmanager.testConfig(
                     ObserveFiles.read(ObserveFiles.alerts().resolve("alertmanager/alertmanager.example.yml")),
                     webhook.baseUrl(), "1s", "1s"))) {
            String sim = fleet.exporters().get(0).url() + "/sim";
            startWorkloads(sim);
            List<LocalPrometheus.Target> targets = new ArrayList<>();
            for (NodeExporter e : fleet.exporters()) {
                targets.add(new LocalPrometheus.Target(e.source().node(), "127.0.0.1:" + e.port()));
            }
            try (LocalPrometheus prom = LocalPrometheus.start(new LocalPrometheus.Settings(
                    Tools.require("prometheus"), 0, Duration.ofSeconds(1), Duration.ofSeconds(1), ruleCopies,
                    List.of(am.address()), targets), Duration.ofSeconds(30))) {
                awaitQuery(prom, "count(up{job=\"gpufleet-exporter\"} == 1) == 3", Duration.ofSeconds(20));
                awaitQuery(prom, "pod:gpufleet_gpu_utilization_ratio:max", Duration.ofSeconds(20));
                System.out.printf(Locale.ROOT, "observe e2e: exporters, Alertmanager and Prometheus up in %.1f s%n",
                        (System.nanoTime() - testStart) / 1e9);

                // An application XID elsewhere: a warning, routed to the warning receiver.
                post(sim + "/faults", "{\"node\":\"" + DASH_NODE + "\",\"gpu\":" + DASH_GPU + ",\"type\":\"xid\",\"xid\":13}");
                post(sim + "/faults", "{\"node\":\"" + DASH_NODE + "\",\"gpu\":" + DASH_GPU + ",\"type\":\"ecc_sbe\",\"count\":3}");
                long injected = System.nanoTime();
                post(sim + "/faults", "{\"node\":\"" + XID_NODE + "\",\"gpu\":" + XID_GPU + ",\"type\":\"xid\",\"xid\":79}");

                Webhook.Notification xid = webhook.await(alert("GpuXidRebootNode", "firing", XID_NODE, XID_GPU), Duration.ofSeconds(30))
                        .orElseThrow(() -> new AssertionError("no GpuXidRebootNode notification within 30 s; got "
                                + webhook.all() + "\nalertmanager log:\n" + am.log()));
                double notifySeconds = (xid.receivedNanos() - injected) / 1e9;
                assertEquals("/gpufleet/critical", xid.path(), "routed by severity to the critical receiver");
                assertEquals("critical", xid.label("severity"));
                assertEquals("79", xid.label("xid"));
                assertEquals("reboot_node", xid.label("class"));
                assertTrue(xid.annotations().get("summary").contains(XID_NODE + " GPU " + XID_GPU), xid.annotations().toString());
                Webhook.Notification lost = webhook.await(alert("GpuLost", "firing", XID_NODE, XID_GPU), Duration.ofSeconds(15))
                        .orElseThrow(() -> new AssertionError("no GpuLost notification; got " + webhook.all() + "\nALERTS: "
                                + queryText(prom, "ALERTS")));
                assertEquals("/gpufleet/critical", lost.path());
                Webhook.Notification app = webhook.await(alert("GpuXidApplicationError", "firing", DASH_NODE, DASH_GPU),
                        Duration.ofSeconds(15)).orElseThrow(() -> new AssertionError("no application XID warning; got " + webhook.all()));
                assertEquals("/gpufleet/warning", app.path(), "warnings go to the warning receiver");
                System.out.printf(Locale.ROOT, "observe e2e: XID 79 injection to critical notification at the webhook: %.2f s"
                        + " (scrape 1 s, evaluation 1 s, for 1 s, group_wait 1 s)%n", notifySeconds);

                checkDashboards(prom);

                // Clearing resets the simulated GPU. The XID alert then ends when the XID is older than the window
                // (30 s here, 900 s in production); GpuLost stays, as the exporter keeps a lost GPU lost until it
                // restarts (a node reboot), as the driver does.
                long cleared = System.nanoTime();
                assertEquals(200, delete(sim + "/faults?node=" + XID_NODE + "&gpu=" + XID_GPU));
                Webhook.Notification xidResolved = webhook.await(alert("GpuXidRebootNode", "resolved", XID_NODE, XID_GPU),
                        Duration.ofSeconds(45)).orElseThrow(() -> new AssertionError("GpuXidRebootNode not resolved; got " + webhook.all()));
                double resolvedSeconds = (xidResolved.receivedNanos() - injected) / 1e9;
                assertTrue(xidResolved.receivedNanos() > cleared, "resolved after the clear");
                assertTrue(resolvedSeconds >= 29, "resolved " + resolvedSeconds + " s after the XID, before its 30 s window ended");
                assertEquals("/gpufleet/critical", xidResolved.path());
                assertEquals("critical", xidResolved.label("severity"));
                System.out.printf(Locale.ROOT, "observe e2e: XID 79 to GpuXidRebootNode resolved at the webhook: %.2f s"
                        + " (XID window 30 s in the test copy); whole test %.1f s%n", resolvedSeconds,
                        (System.nanoTime() - testStart) / 1e9);
            }
        }
    }

    private static Predicate<Webhook.Notification> alert(String name, String status, String node, int gpu) {
        return n -> n.label("alertname").equals(name) && n.status().equals(status) && n.label("node").equals(node)
                && n.label("gpu").equals(Integer.toString(gpu));
    }

    /** Shared and exclusive work on sim-node-01: one pod over its memory share, one idle allocation. */
    private void startWorkloads(String sim) throws Exception {
        long gib = 1L << 30;
        post(sim + "/workloads", workload(DASH_NODE, 0, "ml", "infer-a", 0.3, 3 * gib, 2 * gib, 500));
        post(sim + "/workloads", workload(DASH_NODE, 0, "ml", "infer-b", 0.2, gib, 4 * gib, 500));
        post(sim + "/workloads", workload(DASH_NODE, 1, "ml", "notebook", 0.0, gib, 0, 0));
        post(sim + "/workloads", workload(DASH_NODE, DASH_GPU, "ml", "train", 0.8, 20 * gib, 0, 0));
    }

    private static String workload(String node, int gpu, String ns, String pod, double util, long mem, long share, int core) {
        return String.format(Locale.ROOT, "{\"node\":\"%s\",\"gpu\":%d,\"namespace\":\"%s\",\"pod\":\"%s\",\"container\":\"main\","
                + "\"utilization\":%.2f,\"memoryBytes\":%d%s%s}", node, gpu, ns, pod, util, mem,
                share > 0 ? ",\"shareMemoryBytes\":" + share : "", core > 0 ? ",\"shareCoreMilli\":" + core : "");
    }

    /**
     * Every query of every panel of every dashboard, with the template variables set to values Prometheus
     * itself lists for the variables' queries, returns at least one series.
     */
    private void checkDashboards(LocalPrometheus prom) throws Exception {
        assertTrue(labelValues(prom, "node", "gpufleet_gpu_info").contains(DASH_NODE), "node variable values");
        assertTrue(labelValues(prom, "gpu", "gpufleet_gpu_info{node=\"" + DASH_NODE + "\"}").contains(Integer.toString(DASH_GPU)),
                "gpu variable values");
        assertTrue(labelValues(prom, "namespace", "gpufleet_gpu_pod_memory_used_bytes").contains("ml"), "namespace variable values");
        Map<String, String> vars = Map.of("node", DASH_NODE, "gpu", Integer.toString(DASH_GPU), "namespace", "ml");
        List<String> empty = new ArrayList<>();
        int checked = 0;
        for (Path f : ObserveFiles.dashboardFiles()) {
            for (Dashboards.Query q : Dashboards.queries(Dashboards.load(f))) {
                String expr = Dashboards.substitute(q.expr(), vars);
                JsonNode r = query(prom, expr);
                assertEquals("success", r.path("status").asText(), q + ": " + r);
                if (r.path("data").path("result").isEmpty()) empty.add(q.dashboard() + " / " + q.panel() + " [" + q.refId() + "]: " + expr);
                checked++;
            }
        }
        assertTrue(empty.isEmpty(), "queries without a series:\n" + String.join("\n", empty));
        System.out.printf(Locale.ROOT, "observe e2e: %d dashboard queries, each returned data%n", checked);
    }

    private List<String> labelValues(LocalPrometheus prom, String label, String match) throws Exception {
        JsonNode r = get(prom.url() + "/api/v1/label/" + label + "/values?match[]=" + enc(match));
        List<String> out = new ArrayList<>();
        r.path("data").forEach(v -> out.add(v.asText()));
        return out;
    }

    private JsonNode query(LocalPrometheus prom, String expr) throws Exception {
        return get(prom.url() + "/api/v1/query?query=" + enc(expr));
    }

    private String queryText(LocalPrometheus prom, String expr) {
        try {
            return query(prom, expr).path("data").path("result").toString();
        } catch (Exception e) {
            return e.toString();
        }
    }

    private void awaitQuery(LocalPrometheus prom, String expr, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = query(prom, expr);
            if (!last.path("data").path("result").isEmpty()) return;
            Thread.sleep(200);
        }
        throw new AssertionError("no result for " + expr + " within " + timeout + ": " + last);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private JsonNode get(String url) throws Exception {
        return Dashboards.JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    private void post(String url, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(r.statusCode() / 100 == 2, url + " " + body + " -> " + r.statusCode() + " " + r.body());
    }

    private int delete(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).DELETE().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
