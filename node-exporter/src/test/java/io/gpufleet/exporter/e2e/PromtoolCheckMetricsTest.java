package io.gpufleet.exporter.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.exporter.attribution.PodRef;
import io.gpufleet.exporter.collect.Collector;
import io.gpufleet.exporter.collect.CollectorSettings;
import io.gpufleet.exporter.health.HealthEvaluator;
import io.gpufleet.exporter.health.HealthPolicy;
import io.gpufleet.exporter.metrics.MetricSet;
import io.gpufleet.exporter.metrics.ScrapeCache;
import io.gpufleet.exporter.metrics.SnapshotExposition;
import io.gpufleet.exporter.source.GpuEvent;
import io.gpufleet.exporter.source.GpuField;
import io.gpufleet.exporter.source.GpuPair;
import io.gpufleet.contracts.time.ManualClock;
import io.gpufleet.exporter.source.NvLinkReading;
import io.gpufleet.exporter.source.PathLevel;
import io.gpufleet.exporter.source.ProcessReading;
import io.gpufleet.exporter.source.ScriptedGpuSource;
import io.gpufleet.exporter.source.Topology;
import io.gpufleet.exporter.sim.Fault;
import io.gpufleet.exporter.sim.SimulatedFleet;
import io.gpufleet.exporter.sim.SimulatedNode;
import io.gpufleet.exporter.sim.SimulationConfig;
import io.gpufleet.exporter.sim.Workload;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The exposition passes Prometheus' own linter, {@code promtool check metrics} (Debian package prometheus). */
@Tag("e2e")
class PromtoolCheckMetricsTest {
    /** Naming-style complaints that dcgm-exporter's own names draw; kept for compatibility on purpose. */
    private static final List<String> DCGM_STYLE =
            List.of("snake_case", "_total", "should not include type", "non-standard");

    @ParameterizedTest
    @EnumSource(MetricSet.class)
    void promtoolAcceptsTheExposition(MetricSet set) throws Exception {
        ManualClock clock = new ManualClock(1_700_000_000_000L);
        ScriptedGpuSource src = new ScriptedGpuSource("node-p", 4, clock);
        for (int i = 0; i < 4; i++) {
            for (GpuField f : GpuField.values()) src.set(i, f, f.ordinal() + i);
        }
        src.fail(3, GpuField.MEMORY_TEMPERATURE_CELSIUS, "NOT_SUPPORTED")
                .processes(0, List.of(new ProcessReading(10, 1 << 20)))
                .nvLinks(0, List.of(new NvLinkReading(0, true, 1, 2, 3, 4)))
                .topology(new Topology(List.of(new GpuPair(0, 1, PathLevel.NV, 18), new GpuPair(2, 3, PathLevel.SYS, 0))));
        Collector c = new Collector(src, (g, p) -> g.index() == 1
                ? List.of(new PodRef("a", "p1", "c", 1 << 30, 500, 100), new PodRef("b", "p2", "c", 1 << 30, 500, 200))
                : List.of(), new HealthEvaluator(HealthPolicy.DEFAULT), clock, CollectorSettings.DEFAULT);
        c.collectSlowOnce();
        c.recordEvents(List.of(GpuEvent.xid(2, "x", 79, clock.millis()), GpuEvent.xid(2, "x", 13, clock.millis())));
        ScrapeCache cache = new ScrapeCache(new SnapshotExposition(set), List::of);
        cache.update(c.collectOnce());
        assertPromtoolAccepts(set, cache.get(ScrapeCache.Format.PROMETHEUS_TEXT, false));
    }

    /** Every node shape and model of the default simulated fleet, with work, shared GPUs and faults. */
    @ParameterizedTest
    @EnumSource(MetricSet.class)
    void promtoolAcceptsTheSimulatedFleet(MetricSet set) throws Exception {
        ManualClock clock = new ManualClock(1_700_000_000_000L);
        try (SimulatedFleet fleet = SimulatedFleet.create(SimulationConfig.defaults().withNodes(8), clock)) {
            fleet.startWork("sim-node-00", 1, new Workload("ml", "train-0", "main", 0.9, 20L << 30));
            fleet.startWork("sim-node-00", 2, new Workload("ml", "a", "main", 0.3, 4L << 30, 8L << 30, 250));
            fleet.startWork("sim-node-00", 2, new Workload("web", "b", "main", 0.4, 6L << 30, 8L << 30, 250));
            fleet.inject("sim-node-01", 3, new Fault.Xid(79));
            fleet.inject("sim-node-03", 0, new Fault.EccDoubleBit());
            clock.advance(java.time.Duration.ofSeconds(5));
            for (SimulatedNode node : fleet.nodes()) {
                Collector c = new Collector(node, node, new HealthEvaluator(HealthPolicy.DEFAULT), clock, CollectorSettings.DEFAULT);
                c.recordEvents(node.awaitEvents(java.time.Duration.ofMillis(1)));
                c.collectSlowOnce();
                ScrapeCache cache = new ScrapeCache(new SnapshotExposition(set), List::of);
                cache.update(c.collectOnce());
                assertPromtoolAccepts(set, cache.get(ScrapeCache.Format.PROMETHEUS_TEXT, false));
            }
        }
    }

    private static void assertPromtoolAccepts(MetricSet set, byte[] text) throws Exception {

        Process p = start("promtool", "check", "metrics");
        p.getOutputStream().write(text);
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        // The DCGM-compatible names keep dcgm-exporter's conventions (upper case, _TOTAL gauges), which the
        // linter flags as style; anything else it reports is a real problem.
        String problems = output.lines()
                .filter(l -> !l.isBlank())
                .filter(l -> !(l.startsWith("DCGM_FI_") && DCGM_STYLE.stream().anyMatch(l::contains)))
                .reduce("", (a, b) -> a + b + "\n");
        assertEquals("", problems, "promtool check metrics reported:\n" + output);
        assertTrue(p.exitValue() == 0 || set != MetricSet.NATIVE, "promtool failed on the native set:\n" + output);
    }

    private static Process start(String... cmd) throws IOException {
        try {
            return new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("promtool is required by the e2e profile (apt-get install prometheus; .ci/run does it)", e);
        }
    }
}
