package io.gpufleet.platform.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.exporter.config.ExporterConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The exporter as `fleet up` runs it: simulated nodes, real HTTP, a fault injected through the control API. */
class SimulatedFleetEndToEndTest {
    private final HttpClient http = HttpClient.newHttpClient();

    private String get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** The one exposition line starting with {@code prefix} that contains every fragment. */
    private static String line(String text, String prefix, String... fragments) {
        return text.lines().filter(l -> l.startsWith(prefix))
                .filter(l -> java.util.Arrays.stream(fragments).allMatch(l::contains)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + prefix + " " + String.join(" ", fragments) + " in:\n" + text));
    }

    @Test
    void xid79InjectedOnASimulatedGpuFailsItWithinOneInterval() throws Exception {
        ExporterConfig config = ExporterConfig.resolve(Map.of("simulate", "8", "simulate-nodes", "2", "port", "0",
                "bind-address", "127.0.0.1", "interval", "200ms", "slow-interval", "1s", "kubernetes", "off"), Map.of());
        try (ExporterRuntime rt = ExporterRuntime.start(config, Clock.systemUTC())) {
            assertEquals(2, rt.exporters().size());
            String url = rt.exporters().get(1).url();
            String node = rt.exporters().get(1).source().node();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!get(url + "/health").contains("\"status\":\"ok\"") && System.nanoTime() < deadline) Thread.sleep(20);

            var resp = http.send(HttpRequest.newBuilder(URI.create(url + "/sim/faults"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"node\":\"" + node + "\",\"gpu\":5,\"type\":\"xid\",\"xid\":79}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(resp.statusCode() / 100 == 2, resp.body());
            long injected = System.currentTimeMillis();

            String metrics = "";
            // One interval (200 ms) plus the event wait and scheduling slack.
            long until = System.nanoTime() + Duration.ofMillis(1500).toNanos();
            while (System.nanoTime() < until && !metrics.contains("xid=\"79\"")) {
                metrics = get(url + "/metrics");
                Thread.sleep(20);
            }
            String m = metrics;
            String health = line(m, "gpufleet_gpu_health_status{", "gpu=\"5\"");
            assertTrue(health.endsWith(" 2.0"), health);
            assertTrue(health.contains("reason=\"xid_79_reboot_node\""), health);
            assertTrue(line(m, "gpufleet_gpu_xid_errors_total{", "gpu=\"5\"", "xid=\"79\"").endsWith(" 1.0"));
            String lastSeen = line(m, "gpufleet_gpu_xid_last_seen_timestamp_seconds{", "gpu=\"5\"", "xid=\"79\"");
            double seconds = Double.parseDouble(lastSeen.substring(lastSeen.lastIndexOf(' ') + 1));
            assertTrue(Math.abs(seconds * 1000 - injected) < 2000, "last seen " + seconds + " vs injected " + injected);
            // The other node is untouched.
            String other = get(rt.exporters().get(0).url() + "/metrics");
            assertTrue(other.lines().noneMatch(l -> l.startsWith("gpufleet_gpu_xid_errors_total")), "node 0 has no XIDs");
        }
    }
}
