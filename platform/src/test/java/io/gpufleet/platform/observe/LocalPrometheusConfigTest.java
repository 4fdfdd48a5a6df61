package io.gpufleet.platform.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The configuration {@link LocalPrometheus} writes, and its validation. */
class LocalPrometheusConfigTest {

    private static LocalPrometheus.Settings settings(Duration scrape, List<String> alertmanagers) {
        return new LocalPrometheus.Settings(Path.of("/usr/bin/prometheus"), 0, scrape, Duration.ofSeconds(5),
                List.of(Path.of("/tmp/rules/a.yml"), Path.of("/tmp/rules/it's.yml")), alertmanagers,
                List.of(new LocalPrometheus.Target("sim-node-00", "127.0.0.1:9400"),
                        new LocalPrometheus.Target("sim-node-01", "127.0.0.1:9401")));
    }

    @Test
    @SuppressWarnings("unchecked")
    void scrapesEveryExporterWithItsNodeLabelAndLoadsTheRules() {
        Map<String, Object> c = (Map<String, Object>) ObserveFiles.yaml(LocalPrometheus.config(
                settings(Duration.ofSeconds(5), List.of("127.0.0.1:9093"))));
        Map<String, Object> global = (Map<String, Object>) c.get("global");
        assertEquals("5s", global.get("scrape_interval"));
        assertEquals("5s", global.get("scrape_timeout"), "a timeout no longer than the interval");
        assertEquals(List.of("/tmp/rules/a.yml", "/tmp/rules/it's.yml"), c.get("rule_files"));
        Map<String, Object> job = ((List<Map<String, Object>>) c.get("scrape_configs")).get(0);
        assertEquals("gpufleet-exporter", job.get("job_name"));
        assertEquals(Boolean.TRUE, job.get("honor_labels"));
        List<Map<String, Object>> sc = (List<Map<String, Object>>) job.get("static_configs");
        assertEquals(List.of("127.0.0.1:9401"), sc.get(1).get("targets"));
        assertEquals(Map.of("node", "sim-node-01"), sc.get(1).get("labels"));
        String am = c.get("alerting").toString();
        assertTrue(am.contains("127.0.0.1:9093"), am);
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyOtherComponentIsAScrapeJobOfItsOwnAfterTheExporters() {
        LocalPrometheus.Settings s = new LocalPrometheus.Settings(Path.of("/usr/bin/prometheus"), 0, Duration.ofSeconds(5),
                Duration.ofSeconds(5), List.of(), List.of(), List.of(new LocalPrometheus.Target("sim-node-00", "127.0.0.1:9400")),
                List.of(new LocalPrometheus.ScrapeJob("gpufleet-analytics", List.of("127.0.0.1:9250")),
                        new LocalPrometheus.ScrapeJob("gpufleet-scheduler", List.of("127.0.0.1:8888", "127.0.0.1:8890"))));
        List<Map<String, Object>> jobs = (List<Map<String, Object>>) ((Map<String, Object>) ObserveFiles.yaml(
                LocalPrometheus.config(s))).get("scrape_configs");
        assertEquals(List.of("gpufleet-exporter", "gpufleet-analytics", "gpufleet-scheduler"),
                jobs.stream().map(j -> j.get("job_name")).toList());
        List<Map<String, Object>> sched = (List<Map<String, Object>>) jobs.get(2).get("static_configs");
        assertEquals(List.of("127.0.0.1:8888", "127.0.0.1:8890"), sched.get(0).get("targets"));
        assertEquals(null, jobs.get(2).get("honor_labels"), "a component's own labels do not override the target's");
    }

    @Test
    void badScrapeJobsNameTheField() {
        var e = assertThrows(IllegalArgumentException.class, () -> new LocalPrometheus.ScrapeJob("a b", List.of("h:1")));
        assertTrue(e.getMessage().startsWith("name:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new LocalPrometheus.ScrapeJob(LocalPrometheus.JOB, List.of("h:1")));
        assertTrue(e.getMessage().startsWith("name:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new LocalPrometheus.ScrapeJob("gpufleet-scheduler", List.of()));
        assertTrue(e.getMessage().startsWith("addresses:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new LocalPrometheus.ScrapeJob("gpufleet-scheduler", List.of("http://h:1")));
        assertTrue(e.getMessage().startsWith("addresses:"), e.getMessage());
    }

    @Test
    void longIntervalsKeepTheTenSecondTimeoutAndNoAlertmanagerMeansNoAlertingSection() {
        String c = LocalPrometheus.config(settings(Duration.ofSeconds(30), List.of()));
        assertTrue(c.contains("scrape_timeout: 10s"), c);
        assertTrue(!c.contains("alerting:"), c);
        assertTrue(LocalPrometheus.config(settings(Duration.ofMillis(1500), List.of())).contains("scrape_interval: 1500ms"));
    }

    @Test
    void badSettingsNameTheField() {
        var e = assertThrows(IllegalArgumentException.class, () -> new LocalPrometheus.Target("n", "localhost"));
        assertTrue(e.getMessage().startsWith("address:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new LocalPrometheus.Settings(Path.of("p"), 70000,
                Duration.ofSeconds(1), Duration.ofSeconds(1), List.of(), List.of(), List.of(new LocalPrometheus.Target("n", "h:1"))));
        assertTrue(e.getMessage().startsWith("port:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new LocalPrometheus.Settings(Path.of("p"), 0,
                Duration.ZERO, Duration.ofSeconds(1), List.of(), List.of(), List.of(new LocalPrometheus.Target("n", "h:1"))));
        assertTrue(e.getMessage().startsWith("scrapeInterval:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new LocalPrometheus.Settings(Path.of("p"), 0,
                Duration.ofSeconds(1), Duration.ofSeconds(1), List.of(), List.of(), List.of()));
        assertTrue(e.getMessage().startsWith("targets:"), e.getMessage());
    }

    @Test
    void freePortPrefersTheAskedOneWhenFree() throws Exception {
        int any = LocalPrometheus.freePort(0);
        assertTrue(any > 0);
        try (var busy = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            assertTrue(LocalPrometheus.freePort(busy.getLocalPort()) != busy.getLocalPort(), "a busy port is not handed out");
        }
    }
}
