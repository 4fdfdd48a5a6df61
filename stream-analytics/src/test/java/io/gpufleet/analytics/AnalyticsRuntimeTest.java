package io.gpufleet.analytics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.analytics.job.AnalyticsConfig;
import io.gpufleet.exporter.config.ConfigException;
import io.gpufleet.exporter.sim.Fault;
import io.gpufleet.exporter.sim.SimulatedFleet;
import io.gpufleet.exporter.sim.SimulationConfig;
import io.gpufleet.exporter.sim.Workload;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The embedded mode as fleet up runs it: a MiniCluster in this JVM watching a simulated fleet. */
class AnalyticsRuntimeTest {
    @Test
    void embeddedJobSeesAFaultInjectedIntoTheSimulatedFleet() throws Exception {
        try (SimulatedFleet fleet = SimulatedFleet.create(SimulationConfig.defaults().withNodes(2), Clock.systemUTC())) {
            String node = fleet.nodes().get(1).node();
            fleet.startWork(node, 0, new Workload("team-a", "train-abcde", "", 0.9, 10L << 30));
            AnalyticsConfig cfg = AnalyticsConfig.from(Map.of("metrics-port", "0", "sample-interval", "200ms",
                    "checkpoint-interval", "1s"));
            try (AnalyticsRuntime rt = AnalyticsRuntime.start(cfg, fleet)) {
                assertTrue(rt.metricsPort() > 0);
                Thread.sleep(1000);
                fleet.inject(node, 5, new Fault.Xid(79));
                HttpClient http = HttpClient.newHttpClient();
                String body = "";
                long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
                while (System.nanoTime() < deadline && !body.contains("kind=\"xid_reboot_node\"")) {
                    Thread.sleep(250);
                    body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + rt.metricsPort() + "/metrics"))
                            .build(), HttpResponse.BodyHandlers.ofString()).body();
                }
                assertTrue(body.contains("gpufleet_analytics_faults_total{kind=\"xid_reboot_node\",severity=\"critical\"}"),
                        body);
            }
        }
    }

    @Test
    void simulatedSourceNeedsAFleet() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> AnalyticsRuntime.start(AnalyticsConfig.from(Map.of("metrics-port", "-1")), null));
        assertEquals("source", e.option());
    }
}
