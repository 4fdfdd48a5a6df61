package io.gpufleet.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AnalyticsRecordsTest {

    @Test
    void faultRoundTripsAndResolvesUnderTheSameId() {
        GpuFault f = GpuFault.active(GpuFault.Kind.XID_REBOOT_NODE, GpuFault.Severity.CRITICAL, "node-1", 3, "GPU-abc",
                "", "", "XID 79 (reboot_node)", "reboot_node", 1_000);
        assertEquals("node-1/3/xid_reboot_node@1000", f.id());
        assertTrue(f.isActive());
        assertEquals(f, GpuFault.parse(f.toJson()));
        GpuFault r = f.resolve(5_000, "GPU reporting again");
        assertEquals(f.id(), r.id());
        assertEquals(GpuFault.Status.RESOLVED, r.status());
        assertEquals(5_000, r.endMillis());
        assertEquals(r, GpuFault.parse(r.toJson()));
        assertFalse(f.toJson().contains("\"active\""), f.toJson());
    }

    @Test
    void faultValidationNamesTheField() {
        var e = assertThrows(IllegalArgumentException.class, () -> GpuFault.active(GpuFault.Kind.ECC_DOUBLE_BIT,
                GpuFault.Severity.CRITICAL, " ", 0, "u", "", "", "", "", 0));
        assertTrue(e.getMessage().contains("node"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GpuFault.parse("{\"kind\":\"ECC_DOUBLE_BIT\"}"));
        assertTrue(e.getMessage().contains("severity"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GpuFault.parse("not json"));
        assertTrue(e.getMessage().startsWith("invalid GpuFault"), e.getMessage());
    }

    @Test
    void quotaUsageDerivedValuesAndValidation() {
        QuotaUsage u = new QuotaUsage(QuotaUsage.Scope.USER, "team-a", "alice", QuotaUsage.Period.MINUTE, 60_000,
                120_000, 60_000, 15_000, 1024L * 1000 * 60, 60);
        assertEquals(60.0, u.allocatedGpuSeconds());
        assertEquals(0.25, u.efficiency(), 1e-12);
        assertEquals(60.0, u.memoryGiBSeconds(), 1e-9);
        String json = u.toJson();
        assertTrue(json.contains("\"efficiency\":0.25"), json);
        assertEquals(u, QuotaUsage.parse(json));
        var e = assertThrows(IllegalArgumentException.class, () -> new QuotaUsage(QuotaUsage.Scope.USER, "g", "",
                QuotaUsage.Period.DAY, 0, 1, 0, 0, 0, 0));
        assertTrue(e.getMessage().contains("user"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new QuotaUsage(QuotaUsage.Scope.GROUP, "g", "",
                QuotaUsage.Period.DAY, 0, 1, -1, 0, 0, 0));
        assertTrue(e.getMessage().contains("allocatedGpuMillis"), e.getMessage());
        assertEquals(0.0, new QuotaUsage(QuotaUsage.Scope.GROUP, "g", "", QuotaUsage.Period.DAY, 0, 1, 0, 0, 0, 0)
                .efficiency());
    }

    @Test
    void signalKeepsMissingThroughputAsNaN() {
        WorkloadSignal s = new WorkloadSignal("ns", "web", 10_000, 2, 0.5, 1e9, 0.25, Double.NaN);
        WorkloadSignal back = WorkloadSignal.parse(s.toJson());
        assertFalse(back.hasThroughput());
        assertEquals(s.utilization(), back.utilization());
        var e = assertThrows(IllegalArgumentException.class,
                () -> new WorkloadSignal("ns", "web", 0, 1, 1.5, 0, 0, 1));
        assertTrue(e.getMessage().contains("utilization"), e.getMessage());
    }

    @Test
    void seededRandomRecordsRoundTrip() {
        SplittableRandom rnd = new SplittableRandom(42);
        GpuFault.Kind[] kinds = GpuFault.Kind.values();
        for (int i = 0; i < 500; i++) {
            long start = rnd.nextLong(0, 1L << 42);
            GpuFault f = GpuFault.active(kinds[rnd.nextInt(kinds.length)], GpuFault.Severity.values()[rnd.nextInt(3)],
                    "n" + rnd.nextInt(100), rnd.nextInt(-1, 8), "GPU-" + rnd.nextLong(), "ns\"" + i, "p\u00e9" + i,
                    "evidence " + rnd.nextDouble(), "act", start);
            if (rnd.nextBoolean()) f = f.resolve(start + rnd.nextLong(0, 1_000_000), "cleared");
            assertEquals(f, GpuFault.parse(f.toJson()));
            long ws = rnd.nextLong(0, 1L << 40);
            QuotaUsage u = new QuotaUsage(QuotaUsage.Scope.GROUP, "g" + i, "", QuotaUsage.Period.MINUTE, ws,
                    ws + 60_000, rnd.nextLong(0, Long.MAX_VALUE / 4), rnd.nextLong(0, 1L << 50),
                    rnd.nextLong(0, 1L << 60), rnd.nextLong(0, 1L << 30));
            assertEquals(u, QuotaUsage.parse(u.toJson()));
            WorkloadSignal s = new WorkloadSignal("ns", "w" + i, ws, rnd.nextInt(64), rnd.nextDouble(),
                    rnd.nextDouble() * 1e12, rnd.nextDouble(), rnd.nextDouble() * 1e4);
            assertEquals(s, WorkloadSignal.parse(s.toJson()));
        }
    }
}
