package io.gpufleet.exporter.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.exporter.collect.XidStat;
import io.gpufleet.exporter.source.GpuField;
import io.gpufleet.exporter.source.GpuIdentity;
import io.gpufleet.exporter.source.GpuReading;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class HealthEvaluatorTest {
    private static final GpuIdentity GPU = new GpuIdentity("n", 0, "GPU-0", "H100", "", "", 0, 0);
    private final HealthEvaluator eval = new HealthEvaluator(new HealthPolicy(Duration.ofMinutes(15), Duration.ofSeconds(60)));

    private static GpuReading reading(Object... fieldValues) {
        GpuReading.Builder b = new GpuReading.Builder(GPU, 0);
        for (int i = 0; i < fieldValues.length; i += 2) b.set((GpuField) fieldValues[i], ((Number) fieldValues[i + 1]).doubleValue());
        return b.build();
    }

    @Test
    void healthyWithoutEvidence() {
        assertEquals(GpuHealth.OK, eval.evaluate(reading(GpuField.ECC_DOUBLE_BIT_VOLATILE_TOTAL, 0), List.of(),
                new HealthEvaluator.SlowdownTracker(), 1000));
    }

    @Test
    void xid79FailsTheGpuAsRebootNode() {
        var h = eval.evaluate(reading(), List.of(new XidStat(79, 1, 1000)), new HealthEvaluator.SlowdownTracker(), 2000);
        assertEquals(HealthStatus.FAILED, h.status());
        assertEquals("xid_79_reboot_node", h.reason());
    }

    @Test
    void applicationXidOnlyDegradesAndUnknownXidIsFlagged() {
        var app = eval.evaluate(reading(), List.of(new XidStat(13, 3, 1000)), new HealthEvaluator.SlowdownTracker(), 2000);
        assertEquals(HealthStatus.DEGRADED, app.status());
        assertEquals("xid_13_restart_app", app.reason());
        var unknown = eval.evaluate(reading(), List.of(new XidStat(4242, 1, 1000)), new HealthEvaluator.SlowdownTracker(), 2000);
        assertEquals(HealthStatus.DEGRADED, unknown.status());
        assertEquals("xid_4242_investigate", unknown.reason());
    }

    @Test
    void xidOutsideTheWindowNoLongerCounts() {
        long later = 1000 + Duration.ofMinutes(16).toMillis();
        var h = eval.evaluate(reading(), List.of(new XidStat(79, 1, 1000)), new HealthEvaluator.SlowdownTracker(), later);
        assertEquals(HealthStatus.HEALTHY, h.status());
    }

    @Test
    void failedOutranksDegradedAndKeepsAllReasons() {
        var h = eval.evaluate(reading(GpuField.ROW_REMAP_PENDING, 1, GpuField.ECC_DOUBLE_BIT_VOLATILE_TOTAL, 2),
                List.of(), new HealthEvaluator.SlowdownTracker(), 0);
        assertEquals(HealthStatus.FAILED, h.status());
        assertEquals(List.of("ecc_dbe", "row_remap_pending"), h.reasons());
        var remap = eval.evaluate(reading(GpuField.ROW_REMAP_FAILURE, 1), List.of(), new HealthEvaluator.SlowdownTracker(), 0);
        assertEquals("row_remap_failure", remap.reason());
    }

    @Test
    void hardwareSlowdownMustPersistBeforeItDegrades() {
        var tracker = new HealthEvaluator.SlowdownTracker();
        var hot = reading(GpuField.CLOCK_EVENT_REASONS, 0x40);
        assertEquals(HealthStatus.HEALTHY, eval.evaluate(hot, List.of(), tracker, 0).status());
        assertEquals(HealthStatus.HEALTHY, eval.evaluate(hot, List.of(), tracker, 59_000).status());
        var h = eval.evaluate(hot, List.of(), tracker, 60_000);
        assertEquals(HealthStatus.DEGRADED, h.status());
        assertEquals("hw_thermal_slowdown", h.reason());
        // A cool pass resets the timer.
        eval.evaluate(reading(GpuField.CLOCK_EVENT_REASONS, 0x1), List.of(), tracker, 61_000);
        assertEquals(HealthStatus.HEALTHY, eval.evaluate(hot, List.of(), tracker, 62_000).status());
        // Software power capping is normal under load.
        assertEquals(HealthStatus.HEALTHY,
                eval.evaluate(reading(GpuField.CLOCK_EVENT_REASONS, 0x4), List.of(), tracker, 200_000).status());
    }

    @Test
    void lostGpuFails() {
        var h = eval.evaluate(GpuReading.lost(GPU, 0, "GPU_IS_LOST"), List.of(), new HealthEvaluator.SlowdownTracker(), 0);
        assertEquals(HealthStatus.FAILED, h.status());
        assertEquals("lost", h.reason());
        var afterXid = eval.evaluate(GpuReading.lost(GPU, 0, "GPU_IS_LOST"), List.of(new XidStat(79, 1, 0)),
                new HealthEvaluator.SlowdownTracker(), 10);
        assertEquals(List.of("xid_79_reboot_node", "lost"), afterXid.reasons(), "the XID's action comes first");
    }

    @Test
    void catalogueClassesMatchNvidiaBuckets() {
        assertEquals(XidClass.REBOOT_NODE, XidCatalog.classify(79));
        assertEquals(XidClass.RESET_GPU, XidCatalog.classify(48));
        assertEquals(XidClass.RESET_GPU, XidCatalog.classify(95));
        assertEquals(XidClass.RESET_GPU, XidCatalog.classify(119));
        assertEquals(XidClass.APPLICATION_ERROR, XidCatalog.classify(13));
        assertEquals(XidClass.APPLICATION_ERROR, XidCatalog.classify(31));
        assertEquals(XidClass.INFORMATIONAL, XidCatalog.classify(63));
        assertTrue(XidCatalog.classify(1).impact() == HealthStatus.DEGRADED);
    }
}
