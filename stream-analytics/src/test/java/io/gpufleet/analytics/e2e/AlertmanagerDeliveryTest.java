package io.gpufleet.analytics.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gpufleet.analytics.decode.GpuSample;
import io.gpufleet.analytics.job.AnalyticsConfig;
import io.gpufleet.analytics.job.AnalyticsJob;
import io.gpufleet.analytics.sink.AlertmanagerSink;
import io.gpufleet.analytics.testing.SampleBuilder;
import io.gpufleet.exporter.publish.kafka.TestBroker;
import io.gpufleet.contracts.GpuFault;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Alert delivery to a real Alertmanager (Debian's prometheus-alertmanager) on a free loopback port. */
@Tag("e2e")
class AlertmanagerDeliveryTest {
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    @TempDir
    static Path dir;
    static Process alertmanager;
    static String url;
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void startAlertmanager() throws Exception {
        Path cfg = dir.resolve("alertmanager.yml");
        Files.writeString(cfg, "route:\n  receiver: blackhole\n  group_wait: 1s\nreceivers:\n  - name: blackhole\n");
        int port = TestBroker.freePort();
        url = "http://127.0.0.1:" + port;
        alertmanager = new ProcessBuilder("prometheus-alertmanager", "--config.file=" + cfg,
                "--storage.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
                "--cluster.listen-address=").redirectErrorStream(true).redirectOutput(dir.resolve("am.log").toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (HTTP.send(HttpRequest.newBuilder(URI.create(url + "/-/ready")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200) return;
            } catch (java.io.IOException notYet) {
                Thread.sleep(200);
            }
        }
        throw new IllegalStateException("alertmanager did not start: " + Files.readString(dir.resolve("am.log")));
    }

    @AfterAll
    static void stop() throws Exception {
        if (alertmanager != null) {
            alertmanager.destroy();
            alertmanager.waitFor();
        }
    }

    static List<JsonNode> activeAlerts() throws Exception {
        String body = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/api/v2/alerts?active=true")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        List<JsonNode> out = new ArrayList<>();
        JSON.readTree(body).forEach(out::add);
        return out;
    }

    static List<JsonNode> await(Predicate<List<JsonNode>> until) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        List<JsonNode> alerts = activeAlerts();
        while (!until.test(alerts) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            alerts = activeAlerts();
        }
        return alerts;
    }

    @Test
    void faultsFromTheJobArriveWithTheirLabels() throws Exception {
        long t0 = System.currentTimeMillis() - 60_000;
        List<GpuSample> samples = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            long t = t0 + i * 1000L;
            samples.add(SampleBuilder.at(t).node("dgx-7").gpu(3).xids(i >= 10 ? new long[] {79, 1} : null).build());
        }
        AnalyticsConfig cfg = AnalyticsConfig.from(Map.of("alertmanager-url", url, "metrics-port", "-1",
                "checkpoint-interval", "1s"));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        AnalyticsJob.configure(env, cfg);
        AnalyticsJob.sinks(AnalyticsJob.analyse(env.fromData(samples), cfg), null, cfg);
        env.execute("alertmanager e2e");

        List<JsonNode> alerts = await(a -> a.stream().anyMatch(x -> x.at("/labels/node").asText().equals("dgx-7")));
        JsonNode alert = alerts.stream().filter(x -> x.at("/labels/node").asText().equals("dgx-7")).findFirst()
                .orElseThrow(() -> new AssertionError(alerts.toString()));
        assertEquals("GpuXidRebootNode", alert.at("/labels/alertname").asText());
        assertEquals("critical", alert.at("/labels/severity").asText());
        assertEquals("3", alert.at("/labels/gpu").asText());
        assertEquals("GPU-dgx-7-3", alert.at("/labels/uuid").asText());
        assertEquals("reboot_node", alert.at("/labels/action").asText());
        assertTrue(alert.at("/annotations/description").asText().contains("XID 79"), alert.toString());
    }

    @Test
    void aClearedFaultResolvesItsAlert() throws Exception {
        SinkWriter<GpuFault> w = new AlertmanagerSink(url, Duration.ofSeconds(30)).createWriter(null);
        try {
            GpuFault f = GpuFault.active(GpuFault.Kind.ROW_REMAP_FAILURE, GpuFault.Severity.CRITICAL, "dgx-9", 5,
                    "GPU-9-5", "", "", "row remap failed", "replace_gpu", System.currentTimeMillis() - 5000);
            w.write(f, null);
            List<JsonNode> firing = await(a -> a.stream().anyMatch(x -> x.at("/labels/node").asText().equals("dgx-9")));
            assertTrue(firing.stream().anyMatch(x -> x.at("/labels/alertname").asText().equals("GpuRowRemapFailure")),
                    firing.toString());
            w.write(f.resolve(System.currentTimeMillis() - 1000, "flag cleared"), null);
            List<JsonNode> after = await(a -> a.stream().noneMatch(x -> x.at("/labels/node").asText().equals("dgx-9")));
            assertTrue(after.stream().noneMatch(x -> x.at("/labels/node").asText().equals("dgx-9")), after.toString());
        } finally {
            w.close();
        }
    }
}
