package io.gpufleet.analytics.quota;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.contracts.QuotaUsage;
import io.gpufleet.contracts.QuotaUsage.Period;
import io.gpufleet.contracts.QuotaUsage.Scope;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class QuotaWindowFunctionTest {
    static final long DAY0 = 1_789_948_800_000L; // a UTC midnight

    private static KeyedOneInputStreamOperatorTestHarness<String, UsageSlice, QuotaUsage> harness() throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new QuotaWindowFunction()),
                (KeySelector<UsageSlice, String>) UsageSlice::key, Types.STRING);
        h.open();
        return h;
    }

    @Test
    void minuteWindowsAndDailyRunningTotals() throws Exception {
        try (var h = harness()) {
            h.processElement(new UsageSlice(Scope.USER, "team-a", "alice", DAY0, 60_000, 30_000, 100, 60), DAY0 + 60_000);
            h.processElement(new UsageSlice(Scope.USER, "team-a", "alice", DAY0, 60_000, 60_000, 50, 60), DAY0 + 60_000);
            h.processElement(new UsageSlice(Scope.GROUP, "team-a", "", DAY0, 120_000, 90_000, 150, 120), DAY0 + 60_000);
            h.processElement(new UsageSlice(Scope.USER, "team-a", "alice", DAY0 + 60_000, 10_000, 0, 0, 10), DAY0 + 120_000);
            assertTrue(h.extractOutputValues().isEmpty(), "nothing before the watermark passes a minute");
            h.processWatermark(DAY0 + 60_000);
            List<QuotaUsage> out = h.extractOutputValues();
            assertTrue(out.contains(new QuotaUsage(Scope.USER, "team-a", "alice", Period.MINUTE, DAY0, DAY0 + 60_000,
                    120_000, 90_000, 150, 120)), out.toString());
            assertTrue(out.contains(new QuotaUsage(Scope.GROUP, "team-a", "", Period.MINUTE, DAY0, DAY0 + 60_000,
                    120_000, 90_000, 150, 120)), out.toString());
            assertEquals(0.75, out.get(0).efficiency(), 1e-12);
            h.getOutput().clear();
            h.processWatermark(DAY0 + 120_000);
            out = h.extractOutputValues();
            assertEquals(2, out.size(), out.toString());
            assertEquals(new QuotaUsage(Scope.USER, "team-a", "alice", Period.DAY, DAY0, DAY0 + 86_400_000,
                    130_000, 90_000, 150, 130), out.get(1));
        }
    }

    @Test
    void totalsAreExactInAnyArrivalOrder() throws Exception {
        SplittableRandom rnd = new SplittableRandom(11);
        for (int round = 0; round < 20; round++) {
            try (var h = harness()) {
                long alloc = 0, used = 0, mem = 0, samples = 0;
                for (int i = 0; i < 300; i++) {
                    long minute = DAY0 + rnd.nextInt(30) * 60_000L;
                    long a = rnd.nextLong(0, 1_000_000), u = rnd.nextLong(0, a + 1), m = rnd.nextLong(0, 1L << 40);
                    h.processElement(new UsageSlice(Scope.GROUP, "g", "", minute, a, u, m, 1), minute + 60_000);
                    alloc += a;
                    used += u;
                    mem += m;
                    samples++;
                }
                h.processWatermark(Long.MAX_VALUE);
                List<QuotaUsage> out = h.extractOutputValues();
                QuotaUsage last = out.get(out.size() - 1);
                assertEquals(Period.DAY, last.period());
                assertEquals(List.of(alloc, used, mem, samples), List.of(last.allocatedGpuMillis(), last.usedGpuMillis(),
                        last.memoryMiBMillis(), last.samples()));
                long minuteSum = out.stream().filter(q -> q.period() == Period.MINUTE)
                        .mapToLong(QuotaUsage::allocatedGpuMillis).sum();
                assertEquals(alloc, minuteSum);
            }
        }
    }

    @Test
    void workloadNamesDropGeneratedSuffixes() {
        assertEquals("web", WorkloadNames.of("web-7d9f8b6c4-x2k9p"));
        assertEquals("train", WorkloadNames.of("train-abcde"));
        assertEquals("db", WorkloadNames.of("db-0"));
        assertEquals("my-service", WorkloadNames.of("my-service"));
        assertEquals("llama-serve", WorkloadNames.of("llama-serve-5f6d7c8b9d-abc12"));
    }
}
