package io.gpufleet.platform.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.gpufleet.exporter.NodeExporter;
import io.gpufleet.platform.up.FleetUp;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole loop with real parts: {@code fleet up}'s platform in process ({@link FleetUp}: simulated exporters, the
 * analytics job on a Flink MiniCluster, the scheduler with synthetic jobs placed on the simulated GPUs, faults fed to
 * the scheduler, the autoscaler when present) → a real Prometheus scraping every endpoint it serves with the shipped
 * rules → a real Alertmanager with the shipped example configuration → a webhook in this test. Every query of every
 * panel of every dashboard in dashboards/ must return data.
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
    /** The namespace the Workloads dashboard is checked on: the synthetic jobs' opening tour misbehaves there. */
    private static final String DASH_NAMESPACE = "team-a";

    private final HttpClient http = HttpClient.newHttpClient();

    static FleetUp.Settings settings() {
        Map<String, String> flags = new HashMap<>(Map.of("simulate", "4", "simulate-nodes", "3", "port", "0",
                "bind-address", "127.0.0.1", "interval", "250ms", "slow-interval", "1s", "kubernetes", "off",
                "xid-window", "30s"));
        // jobs outlive the test, so the pods the dashboards are checked on are still there at the end
        return new FleetUp.Settings(flags, 0, true, 0, true, 0, true, 4, Duration.ofSeconds(150),
                Duration.ofSeconds(240), true, 0, Duration.ofSeconds(60), 42);
    }

    @Test
    void xid79ReachesTheWebhookAsCriticalThenResolvesAndEveryDashboardQueryReturnsData(@TempDir Path dir) throws Exception {
        long testStart = System.nanoTime();
        Path rules = Files.createDirectories(dir.resolve("rules"));
        List<Path> ruleCopies = TestRules.copy(ObserveFiles.ruleFiles(), rules, "1s", 30);
        try (FleetUp up = FleetUp.start(settings());
             Webhook webhook = new Webhook();
             TestAlertmanager am = TestAlertmanager.start(dir, TestAlertmanager.testConfig(
                     ObserveFiles.read(ObserveFiles.alerts().resolve("alertmanager/alertmanager.example.yml")),
                     webhook.baseUrl(), "1s", "1s"))) {
            assertEquals(List.of(), up.notes(), "every part of fleet up started");
            String sim = up.exporters().exporters().get(0).url() + "/sim";
            List<LocalPrometheus.Target> targets = new ArrayList<>();
            for (NodeExporter e : up.exporters().exporters()) {
                targets.add(new LocalPrometheus.Target(e.source().node(), "127.0.0.1:" + e.port()));
            }
            List<LocalPrometheus.ScrapeJob> jobs = up.scrapeJobs("127.0.0.1");
            List<String> jobNames = jobs.stream().map(LocalPrometheus.ScrapeJob::name).toList();
            assertTrue(jobNames.containsAll(List.of(FleetUp.ANALYTICS_JOB, FleetUp.SCHEDULER_JOB, FleetUp.AUTOSCALER_JOB)), jobNames.toString());
            try (LocalPrometheus prom = LocalPrometheus.start(new LocalPrometheus.Settings(
                    Tools.require("prometheus"), 0, Duration.ofSeconds(1), Duration.ofSeconds(1), ruleCopies,
                    List.of(am.address()), targets, jobs), Duration.ofSeconds(30))) {
                awaitQuery(prom, "count(up{job=\"gpufleet-exporter\"} == 1) == 3", Duration.ofSeconds(20));
                for (String job : jobNames) awaitQuery(prom, "up{job=\"" + job + "\"} == 1", Duration.ofSeconds(20));
                awaitQuery(prom, "pod:gpufleet_gpu_utilization_ratio:max{namespace=\"" + DASH_NAMESPACE + "\"}", Duration.ofSeconds(20));
                System.out.printf(Locale.ROOT, "observe e2e: fleet up (%s), Alertmanager and Prometheus up in %.1f s%n",
                        String.join(", ", jobNames), (System.nanoTime() - testStart) / 1e9);

                // The Node and GPU dashboard is checked on a GPU a synthetic job runs on; it also gets an application
                // XID (a warning, routed to the warning receiver) and corrected ECC errors.
                String[] dash = gpuWithWork(prom);
                String dashNode = dash[0];
                int dashGpu = Integer.parseInt(dash[1]);
                post(sim + "/faults", "{\"node\":\"" + dashNode + "\",\"gpu\":" + dashGpu + ",\"type\":\"xid\",\"xid\":13}");
                post(sim + "/faults", "{\"node\":\"" + dashNode + "\",\"gpu\":" + dashGpu + ",\"type\":\"ecc_sbe\",\"count\":3}");
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
                Webhook.Notification app = webhook.await(alert("GpuXidApplicationError", "firing", dashNode, dashGpu),
                        Duration.ofSeconds(15)).orElseThrow(() -> new AssertionError("no application XID warning; got " + webhook.all()));
                assertEquals("/gpufleet/warning", app.path(), "warnings go to the warning receiver");
                System.out.printf(Locale.ROOT, "observe e2e: XID 79 injection to critical notification at the webhook: %.2f s"
                        + " (scrape 1 s, evaluation 1 s, for 1 s, group_wait 1 s)%n", notifySeconds);

                // the same fault took the GPU out of the scheduler's pool
                JsonNode gpu = awaitJson(up.schedulerUrl() + "/api/v1/nodes/" + XID_NODE, n -> !n.path("gpus").get(XID_GPU)
                        .path("healthy").asBoolean(), Duration.ofSeconds(10)).path("gpus").get(XID_GPU);
                assertTrue(gpu.path("faults").toString().contains("xid_79_reboot_node"), gpu.toString());

                // Clearing resets the simulated GPU. The XID alert then ends when the XID is older than the window
                // (30 s here, 900 s in production); GpuLost stays, as the exporter keeps a lost GPU lost until it
                // restarts (a node reboot), as the driver does.
                long cleared = System.nanoTime();
                assertEquals(200, delete(sim + "/faults?node=" + XID_NODE + "&gpu=" + XID_GPU));
                // quota usage needs the analytics job's first complete minute
                awaitQuery(prom, "gpufleet_quota_allocated_gpu_seconds{scope=\"user\",quota_group=\"" + DASH_NAMESPACE + "\"}",
                        Duration.ofSeconds(120));
                checkDashboards(prom, Map.of("node", dashNode, "gpu", Integer.toString(dashGpu), "namespace", DASH_NAMESPACE));

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

    /** A node and GPU with a synthetic job's process on it, other than the GPU the XID 79 goes to. */
    private String[] gpuWithWork(LocalPrometheus prom) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            for (JsonNode r : query(prom, "gpufleet_gpu_process_memory_used_bytes > 0").path("data").path("result")) {
                String node = r.path("metric").path("node").asText(), gpu = r.path("metric").path("gpu").asText();
                if (!(node.equals(XID_NODE) && gpu.equals(Integer.toString(XID_GPU)))) return new String[] {node, gpu};
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no GPU with a process: " + queryText(prom, "gpufleet_gpu_process_memory_used_bytes"));
    }

    private static Predicate<Webhook.Notification> alert(String name, String status, String node, int gpu) {
        return n -> n.label("alertname").equals(name) && n.status().equals(status) && n.label("node").equals(node)
                && n.label("gpu").equals(Integer.toString(gpu));
    }

    /**
     * Every query of every panel of every dashboard returns at least one series, with each dashboard's template
     * variables set as Grafana would: in order, from the values Prometheus lists for the variable's query; "All" for
     * variables that offer it (Grafana's initial choice), else the preferred value when listed, else the first.
     */
    private void checkDashboards(LocalPrometheus prom, Map<String, String> preferred) throws Exception {
        Map<String, String> pending = new java.util.LinkedHashMap<>();
        int checked = 0;
        for (Path f : ObserveFiles.dashboardFiles()) {
            JsonNode d = Dashboards.load(f);
            Map<String, String> vars = new HashMap<>();
            for (Dashboards.Variable v : Dashboards.variables(d)) {
                List<String> values = variableValues(prom, v, vars);
                assertTrue(!values.isEmpty(), v + ": no values");
                String pick;
                if (v.includeAll()) {
                    // what Grafana shows when the dashboard opens: All
                    pick = v.allValue().isEmpty() ? "(" + String.join("|", values) + ")" : v.allValue();
                } else {
                    pick = values.contains(preferred.get(v.name())) ? preferred.get(v.name()) : values.get(0);
                }
                vars.put(v.name(), pick);
            }
            for (Dashboards.Query q : Dashboards.queries(d)) {
                String expr = Dashboards.substitute(q.expr(), vars);
                assertTrue(!expr.matches("(?s).*\\$\\{?[a-zA-Z_].*"), q + ": a variable left after substitution: " + expr);
                JsonNode r = query(prom, expr);
                assertEquals("success", r.path("status").asText(), q + ": " + r);
                if (r.path("data").path("result").isEmpty()) pending.put(q.dashboard() + " / " + q.panel() + " [" + q.refId() + "]", expr);
                checked++;
            }
        }
        // A series recorded from one that just appeared shows at the next rule evaluation (1 s here): ask again
        // for a few seconds, as a dashboard refreshes, before calling a query empty.
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!pending.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(1000);
            for (var it = pending.entrySet().iterator(); it.hasNext(); ) {
                if (!query(prom, it.next().getValue()).path("data").path("result").isEmpty()) it.remove();
            }
        }
        List<String> empty = new ArrayList<>();
        pending.forEach((q, expr) -> empty.add(q + ": " + expr));
        assertTrue(empty.isEmpty(), "queries without a series:\n" + String.join("\n", empty));
        System.out.printf(Locale.ROOT, "observe e2e: %d dashboard queries in %d dashboards, each returned data%n", checked,
                ObserveFiles.dashboardFiles().size());
    }

    private List<String> variableValues(LocalPrometheus prom, Dashboards.Variable v, Map<String, String> known) throws Exception {
        if (v.type().equals("custom")) {
            return java.util.Arrays.stream(v.query().split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
        }
        String[] lv = Dashboards.labelValues(v.query()).orElseThrow(() -> new AssertionError(v + ": only label_values(...) "
                + "and custom variables are supported by this check"));
        String match = Dashboards.substitute(lv[0], known);
        List<String> values = labelValues(prom, lv[1], match);
        java.util.Collections.sort(values);
        return values;
    }

    private List<String> labelValues(LocalPrometheus prom, String label, String match) throws Exception {
        JsonNode r = get(prom.url() + "/api/v1/label/" + label + "/values" + (match.isEmpty() ? "" : "?match[]=" + enc(match)));
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

    private JsonNode awaitJson(String url, Predicate<JsonNode> done, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode last = get(url);
        while (!done.test(last)) {
            if (System.nanoTime() > deadline) throw new AssertionError("not within " + timeout + ": " + url + " " + last);
            Thread.sleep(200);
            last = get(url);
        }
        return last;
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
