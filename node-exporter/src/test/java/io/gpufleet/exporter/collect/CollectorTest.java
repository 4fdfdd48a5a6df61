package io.gpufleet.exporter.collect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.exporter.attribution.PodRef;
import io.gpufleet.exporter.attribution.PodResolver;
import io.gpufleet.exporter.health.HealthEvaluator;
import io.gpufleet.exporter.health.HealthPolicy;
import io.gpufleet.exporter.health.HealthStatus;
import io.gpufleet.exporter.source.GpuEvent;
import io.gpufleet.exporter.source.GpuField;
import io.gpufleet.contracts.time.ManualClock;
import io.gpufleet.exporter.source.ScriptedGpuSource;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class CollectorTest {
    private final ManualClock clock = new ManualClock(1_700_000_000_000L);
    private final ScriptedGpuSource source = new ScriptedGpuSource("node-a", 4, clock);

    private Collector collector(PodResolver pods) {
        return new Collector(source, pods, new HealthEvaluator(HealthPolicy.DEFAULT), clock,
                new CollectorSettings(Duration.ofMillis(50), Duration.ofMillis(50), Duration.ofMillis(20)));
    }

    @Test
    void passReadsEveryGpuAndPublishesToListeners() {
        Collector c = collector(PodResolver.NONE);
        AtomicReference<NodeSnapshot> seen = new AtomicReference<>();
        c.addListener(seen::set);
        NodeSnapshot s = c.collectOnce();
        assertEquals(4, s.gpus().size());
        assertEquals(1, s.sequence());
        assertEquals(s, seen.get());
        assertEquals(s, c.snapshot());
        assertEquals(36, s.gpus().get(2).reading().value(GpuField.GPU_TEMPERATURE_CELSIUS));
        assertEquals(HealthStatus.HEALTHY, s.gpus().get(2).health().status());
    }

    @Test
    void xidEventFailsTheGpuWithCounterAndLastSeen() {
        Collector c = collector(PodResolver.NONE);
        c.collectOnce();
        long at = clock.millis();
        c.recordEvents(List.of(GpuEvent.xid(1, "GPU-node-a-1", 79, at), GpuEvent.xid(1, "GPU-node-a-1", 79, at + 5)));
        clock.advance(Duration.ofSeconds(1));
        NodeSnapshot s = c.collectOnce();
        GpuState g = s.gpus().get(1);
        assertEquals(HealthStatus.FAILED, g.health().status());
        assertEquals("xid_79_reboot_node", g.health().reason());
        assertEquals(List.of(new XidStat(79, 2, at + 5)), g.xids());
        assertEquals(79, g.lastXid());
        assertEquals(HealthStatus.HEALTHY, s.gpus().get(0).health().status());
    }

    @Test
    void eventThreadDeliversXidWithinOneInterval() throws Exception {
        try (Collector c = collector(PodResolver.NONE)) {
            c.start();
            source.push(GpuEvent.xid(3, "GPU-node-a-3", 79, clock.millis()));
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (System.nanoTime() < deadline && (c.snapshot().gpus().size() < 4
                    || c.snapshot().gpus().get(3).xids().isEmpty())) {
                Thread.sleep(10);
            }
            GpuState g = c.snapshot().gpus().get(3);
            assertEquals(1, g.xids().size());
            assertEquals(HealthStatus.FAILED, g.health().status());
        }
    }

    @Test
    void unsupportedFieldIsAbsentButNotAnErrorWhileRealFailuresAreCounted() {
        source.fail(0, GpuField.MEMORY_TEMPERATURE_CELSIUS, "NOT_SUPPORTED");
        source.fail(0, GpuField.POWER_USAGE_WATTS, "UNKNOWN");
        Collector c = collector(PodResolver.NONE);
        c.collectOnce();
        NodeSnapshot s = c.collectOnce();
        var r = s.gpus().get(0).reading();
        assertFalse(r.has(GpuField.MEMORY_TEMPERATURE_CELSIUS));
        assertEquals("NOT_SUPPORTED", r.errors().get(GpuField.MEMORY_TEMPERATURE_CELSIUS));
        assertFalse(r.has(GpuField.POWER_USAGE_WATTS));
        assertEquals(2L, s.stats().fieldErrors().get("power_usage_watts"));
        assertFalse(s.stats().fieldErrors().containsKey("memory_temperature_celsius"));
        assertTrue(s.gpus().get(1).reading().has(GpuField.POWER_USAGE_WATTS));
    }

    @Test
    void slowFieldsComeFromTheSlowPassOnly() {
        source.set(2, GpuField.PCIE_TX_BYTES_PER_SECOND, 2370 * 1024.0);
        source.fail(2, GpuField.PCIE_RX_BYTES_PER_SECOND, "NOT_SUPPORTED");
        Collector c = collector(PodResolver.NONE);
        assertFalse(c.collectOnce().gpus().get(2).reading().has(GpuField.PCIE_TX_BYTES_PER_SECOND));
        c.collectSlowOnce();
        int slowReads = source.slowReads;
        var r = c.collectOnce().gpus().get(2).reading();
        assertEquals(2370 * 1024.0, r.value(GpuField.PCIE_TX_BYTES_PER_SECOND));
        assertEquals("NOT_SUPPORTED", r.errors().get(GpuField.PCIE_RX_BYTES_PER_SECOND));
        assertEquals(slowReads, source.slowReads, "a regular pass must not call the slow reads");
    }

    @Test
    void aLostOrThrowingGpuNeverStopsThePass() {
        source.lose(1).throwOnRead(2, new IllegalStateException("driver exploded"));
        Collector c = collector(PodResolver.NONE);
        NodeSnapshot s = c.collectOnce();
        assertTrue(s.gpus().get(1).reading().lost());
        assertEquals("lost", s.gpus().get(1).health().reason());
        assertTrue(s.gpus().get(2).reading().lost());
        assertEquals(HealthStatus.HEALTHY, s.gpus().get(3).health().status());
    }

    @Test
    void gpuLostEventKeepsTheGpuLostWithoutCallingIt() {
        Collector c = collector(PodResolver.NONE);
        c.recordEvents(List.of(new GpuEvent(0, "GPU-node-a-0", GpuEvent.Kind.GPU_LOST, 0, clock.millis())));
        int before = source.reads;
        NodeSnapshot s = c.collectOnce();
        assertTrue(s.gpus().get(0).reading().lost());
        assertEquals(before + 3, source.reads);
    }

    @Test
    void podsComeFromTheResolverAndResolverFailuresAreHarmless() {
        PodRef pod = new PodRef("ml", "trainer-0", "main", 0, 1000, 1 << 30);
        Collector c = collector((gpu, procs) -> {
            if (gpu.index() == 3) throw new IllegalStateException("cache broken");
            return gpu.index() == 0 ? List.of(pod) : List.of();
        });
        NodeSnapshot s = c.collectOnce();
        assertEquals(List.of(pod), s.gpus().get(0).pods());
        assertEquals(List.of(), s.gpus().get(3).pods());
    }

    @Test
    void polledAttributionSourcesAreRefreshedOnTheSlowPassOnly() {
        java.util.concurrent.atomic.AtomicInteger refreshes = new java.util.concurrent.atomic.AtomicInteger();
        PodResolver polled = new PodResolver() {
            @Override
            public List<PodRef> podsFor(io.gpufleet.exporter.source.GpuIdentity gpu,
                                        List<io.gpufleet.exporter.source.ProcessReading> processes) {
                return List.of();
            }

            @Override
            public void refresh() {
                if (refreshes.incrementAndGet() == 2) throw new IllegalStateException("kubelet exploded");
            }
        };
        Collector c = collector(polled);
        c.collectOnce();
        c.collectOnce();
        assertEquals(0, refreshes.get(), "scrapes and regular passes never poll");
        c.collectSlowOnce();
        c.collectSlowOnce();
        source.set(2, GpuField.PCIE_TX_BYTES_PER_SECOND, 1024.0);
        c.collectSlowOnce();
        assertEquals(3, refreshes.get());
        assertEquals(1024.0, c.collectOnce().gpus().get(2).reading().value(GpuField.PCIE_TX_BYTES_PER_SECOND),
                "a failing refresh does not stop the slow pass");
    }

    @Test
    void eccEventsAreCounted() {
        Collector c = collector(PodResolver.NONE);
        c.recordEvents(List.of(new GpuEvent(0, "u", GpuEvent.Kind.DOUBLE_BIT_ECC, 0, 1),
                new GpuEvent(0, "u", GpuEvent.Kind.SINGLE_BIT_ECC, 0, 1),
                new GpuEvent(0, "u", GpuEvent.Kind.SINGLE_BIT_ECC, 0, 2)));
        GpuState g = c.collectOnce().gpus().get(0);
        assertEquals(1, g.doubleBitEccEvents());
        assertEquals(2, g.singleBitEccEvents());
    }
}
