package io.gpufleet.analytics.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.analytics.decode.GpuSample;
import io.gpufleet.analytics.decode.PodShare;
import io.gpufleet.analytics.faults.DetectorSettings;
import io.gpufleet.analytics.quota.UsageSlice;
import io.gpufleet.analytics.signals.SignalSlice;
import io.gpufleet.analytics.testing.SampleBuilder;
import io.gpufleet.contracts.GpuFault;
import io.gpufleet.contracts.GpuFault.Kind;
import io.gpufleet.contracts.QuotaUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NodeAnalyticsTest {
    static final long T0 = 1_790_000_040_000L - (1_790_000_040_000L % 60_000); // a minute boundary
    static final DetectorSettings SETTINGS = new DetectorSettings(30_000, 30_000, 10_000, 120_000, 0.05, 60_000, 0.02);

    KeyedOneInputStreamOperatorTestHarness<String, GpuSample, GpuFault> h;

    @BeforeEach
    void open() throws Exception {
        h = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new NodeAnalytics(SETTINGS, 1000, 10_000)),
                (KeySelector<GpuSample, String>) GpuSample::node, Types.STRING);
        h.open();
    }

    @AfterEach
    void close() throws Exception {
        h.close();
    }

    private void feed(GpuSample s) throws Exception {
        h.processElement(s, s.timeMillis());
    }

    /** One sample a second from {@code from} (inclusive) to {@code to} (exclusive), built per time. */
    private void run(long from, long to, LongFunction<GpuSample> sample) throws Exception {
        for (long t = from; t < to; t += 1000) feed(sample.apply(t));
    }

    private List<GpuFault> faults() {
        List<GpuFault> out = new ArrayList<>(h.extractOutputValues());
        h.getOutput().clear();
        return out;
    }

    private static List<GpuFault> of(List<GpuFault> fs, Kind k) {
        return fs.stream().filter(f -> f.kind() == k).toList();
    }

    @Test
    void xidByClassDeduplicatedAndResolvedAfterQuietPeriod() throws Exception {
        run(T0, T0 + 5000, t -> SampleBuilder.at(t).build());
        feed(SampleBuilder.at(T0 + 5000).xids(79, 1).health(2).build());
        run(T0 + 6000, T0 + 10_000, t -> SampleBuilder.at(t).xids(79, 1).health(2).build());
        feed(SampleBuilder.at(T0 + 10_000).xids(79, 2).health(2).build()); // again, while active: no new fault
        List<GpuFault> fs = faults();
        assertEquals(1, fs.size(), fs.toString());
        GpuFault f = fs.get(0);
        assertEquals(Kind.XID_REBOOT_NODE, f.kind());
        assertEquals(GpuFault.Severity.CRITICAL, f.severity());
        assertEquals("reboot_node", f.action());
        assertEquals(T0 + 5000, f.startMillis());
        assertTrue(f.evidence().contains("XID 79"), f.evidence());
        // Quiet for two minutes but still failed: stays active.
        run(T0 + 11_000, T0 + 140_000, t -> SampleBuilder.at(t).xids(79, 2).health(2).build());
        assertTrue(of(faults(), Kind.XID_REBOOT_NODE).isEmpty());
        feed(SampleBuilder.at(T0 + 140_000).xids(79, 2).health(0).build());
        List<GpuFault> resolved = faults();
        assertEquals(1, resolved.size(), resolved.toString());
        assertEquals(GpuFault.Status.RESOLVED, resolved.get(0).status());
        assertEquals(f.id(), resolved.get(0).id());
    }

    @Test
    void applicationXidIsAWarningAndInformationalXidIsNoFault() throws Exception {
        feed(SampleBuilder.at(T0).xids(63, 1).build());
        feed(SampleBuilder.at(T0 + 1000).xids(63, 2).build());
        assertTrue(faults().isEmpty());
        feed(SampleBuilder.at(T0 + 2000).xids(63, 2, 13, 1).build());
        List<GpuFault> fs = faults();
        assertEquals(1, fs.size(), fs.toString());
        assertEquals(Kind.XID_APPLICATION, fs.get(0).kind());
        assertEquals(GpuFault.Severity.WARNING, fs.get(0).severity());
        assertEquals("restart_app", fs.get(0).action());
        // dcgm-exporter shape: only the last XID, 48 (double-bit ECC) means reset the GPU.
        feed(SampleBuilder.at(T0 + 3000).gpu(1).lastXid(48).build());
        fs = faults();
        assertEquals(Kind.XID_RESET_GPU, fs.get(0).kind());
        assertEquals(1, fs.get(0).gpu());
    }

    @Test
    void correctableEccIsNotAFaultButDoubleBitIs() throws Exception {
        run(T0, T0 + 10_000, t -> SampleBuilder.at(t).sbe((t - T0) / 1000 * 50).build());
        assertTrue(faults().isEmpty(), "single-bit errors are corrected");
        feed(SampleBuilder.at(T0 + 10_000).sbe(600).dbe(1).build());
        feed(SampleBuilder.at(T0 + 11_000).sbe(600).dbe(2).build());
        List<GpuFault> fs = faults();
        assertEquals(1, fs.size(), fs.toString());
        assertEquals(Kind.ECC_DOUBLE_BIT, fs.get(0).kind());
        assertEquals("reset_gpu", fs.get(0).action());
        feed(SampleBuilder.at(T0 + 12_000).dbe(0).build()); // GPU reset: volatile counters back to 0
        fs = faults();
        assertEquals(GpuFault.Status.RESOLVED, fs.get(0).status());
    }

    @Test
    void rowRemapFailureWhileFlagged() throws Exception {
        run(T0, T0 + 3000, t -> SampleBuilder.at(t).remapFailure(1).build());
        List<GpuFault> fs = faults();
        assertEquals(1, fs.size());
        assertEquals(Kind.ROW_REMAP_FAILURE, fs.get(0).kind());
        assertEquals("replace_gpu", fs.get(0).action());
        feed(SampleBuilder.at(T0 + 3000).remapFailure(0).build());
        assertEquals(GpuFault.Status.RESOLVED, faults().get(0).status());
    }

    @Test
    void shortThermalSpikeIsNotSustainedSlowdown() throws Exception {
        run(T0, T0 + 20_000, t -> SampleBuilder.at(t).clock(0x40).build());
        run(T0 + 20_000, T0 + 25_000, t -> SampleBuilder.at(t).build());
        run(T0 + 25_000, T0 + 50_000, t -> SampleBuilder.at(t).clock(0x40).build());
        assertTrue(faults().isEmpty(), "20 s and 25 s spikes are below the 30 s threshold");
        run(T0 + 50_000, T0 + 60_000, t -> SampleBuilder.at(t).clock(0x40).build());
        List<GpuFault> fs = faults();
        assertEquals(1, fs.size(), fs.toString());
        assertEquals(Kind.THERMAL_SLOWDOWN, fs.get(0).kind());
        assertEquals(T0 + 25_000, fs.get(0).startMillis());
        run(T0 + 60_000, T0 + 100_000, t -> SampleBuilder.at(t).clock(0x80).build()); // thermal ends, power brake
        fs = faults();
        assertEquals(GpuFault.Status.RESOLVED, of(fs, Kind.THERMAL_SLOWDOWN).get(0).status());
        assertEquals(Kind.POWER_SLOWDOWN, of(fs, Kind.POWER_SLOWDOWN).get(0).kind());
    }

    @Test
    void gpuThatStopsReportingIsToldFromANodeThatIsGone() throws Exception {
        // node-a: GPU 0 keeps reporting, GPU 1 stops at T0+5s. node-b: reports until T0+20s, then all stop.
        for (long t = T0; t < T0 + 40_000; t += 1000) {
            feed(SampleBuilder.at(t).node("node-a").gpu(0).build());
            if (t < T0 + 5000) feed(SampleBuilder.at(t).node("node-a").gpu(1).build());
            if (t < T0 + 20_000) {
                feed(SampleBuilder.at(t).node("node-b").gpu(0).build());
                feed(SampleBuilder.at(t).node("node-b").gpu(1).build());
            }
            h.processWatermark(t - 1000);
        }
        List<GpuFault> fs = faults();
        List<GpuFault> stopped = of(fs, Kind.GPU_STOPPED_REPORTING);
        assertEquals(1, stopped.size(), fs.toString());
        assertEquals("node-a", stopped.get(0).node());
        assertEquals(1, stopped.get(0).gpu());
        assertEquals(T0 + 4000, stopped.get(0).startMillis());
        List<GpuFault> gone = of(fs, Kind.NODE_UNREACHABLE);
        assertEquals(1, gone.size(), fs.toString());
        assertEquals("node-b", gone.get(0).node());
        assertEquals(-1, gone.get(0).gpu());
        // GPU 1 comes back.
        feed(SampleBuilder.at(T0 + 40_000).node("node-a").gpu(1).build());
        fs = faults();
        assertEquals(GpuFault.Status.RESOLVED, fs.get(0).status());
        assertEquals(stopped.get(0).id(), fs.get(0).id());
    }

    @Test
    void memoryAboveTheSharePerPodOnASharedGpu() throws Exception {
        long share = 8L << 30;
        LongFunction<GpuSample> within = t -> SampleBuilder.at(t).pods(
                new PodShare("a", "p1", "", share + (share / 100), share, 0.5),
                new PodShare("b", "p2", "", share / 2, share, 0.5)).build();
        run(T0, T0 + 5000, within);
        assertTrue(faults().isEmpty(), "1 % over is within the 2 % tolerance");
        feed(SampleBuilder.at(T0 + 5000).pods(new PodShare("a", "p1", "", share, share, 0.5),
                new PodShare("b", "p2", "", 2 * share, share, 0.5)).build());
        List<GpuFault> fs = faults();
        assertEquals(1, fs.size(), fs.toString());
        assertEquals(Kind.MEMORY_OVER_SHARE, fs.get(0).kind());
        assertEquals("p2", fs.get(0).pod());
        assertEquals("b", fs.get(0).namespace());
        run(T0 + 6000, T0 + 8000, t -> SampleBuilder.at(t).pods(new PodShare("b", "p2", "", 2 * share, share, 0.5)).build());
        assertTrue(faults().isEmpty(), "still the same breach");
        run(T0 + 8000, T0 + 9000, within);
        fs = faults();
        assertEquals(1, fs.size());
        assertEquals(GpuFault.Status.RESOLVED, fs.get(0).status());
    }

    @Test
    void allocatedButIdleForLong() throws Exception {
        run(T0, T0 + 120_000, t -> SampleBuilder.at(t).gpu(1).util(0.0).pods().build());
        assertTrue(faults().isEmpty(), "an idle GPU nobody holds is not waste");
        run(T0, T0 + 50_000, t -> SampleBuilder.at(t).util(0.01).build());
        assertTrue(faults().isEmpty());
        run(T0 + 50_000, T0 + 61_000, t -> SampleBuilder.at(t).util(0.01).build());
        List<GpuFault> fs = faults();
        assertEquals(1, fs.size(), fs.toString());
        assertEquals(Kind.ALLOCATED_IDLE, fs.get(0).kind());
        assertEquals(GpuFault.Severity.INFO, fs.get(0).severity());
        assertEquals("train-abcde", fs.get(0).pod());
        feed(SampleBuilder.at(T0 + 61_000).util(0.9).build());
        assertEquals(GpuFault.Status.RESOLVED, faults().get(0).status());
    }

    @Test
    void lateSamplesGoToTheSideOutputAndDuplicatesAreSkipped() throws Exception {
        run(T0, T0 + 5000, t -> SampleBuilder.at(t).build());
        h.processWatermark(T0 + 4000);
        feed(SampleBuilder.at(T0 + 1000).gpu(3).build());
        feed(SampleBuilder.at(T0 + 4000).build()); // not late, but not newer than the GPU's last sample
        var late = h.getSideOutput(NodeAnalytics.LATE);
        assertEquals(1, late.size());
        assertEquals(3, late.peek().getValue().gpu());
        h.processWatermark(T0 + 60_000);
        long samples = 0;
        for (StreamRecord<UsageSlice> r : h.getSideOutput(NodeAnalytics.USAGE)) {
            if (r.getValue().scope() == QuotaUsage.Scope.GROUP) samples += r.getValue().samples();
        }
        assertEquals(5, samples, "the duplicate is not accounted");
    }

    @Test
    void outOfOrderWithinTheBoundIsAccountedButDoesNotRewindTheDetectors() throws Exception {
        feed(SampleBuilder.at(T0 + 5000).remapFailure(1).build());
        feed(SampleBuilder.at(T0 + 3000).remapFailure(0).build()); // older, not late: no watermark yet
        List<GpuFault> fs = faults();
        assertEquals(1, fs.size(), "the older sample does not clear the newer fault: " + fs);
        h.processWatermark(T0 + 60_000);
        long samples = 0;
        for (StreamRecord<UsageSlice> r : h.getSideOutput(NodeAnalytics.USAGE)) {
            if (r.getValue().scope() == QuotaUsage.Scope.GROUP) samples += r.getValue().samples();
        }
        assertEquals(2, samples);
    }

    @Test
    void usageSlicesPerMinuteForUsersAndGroups() throws Exception {
        // Whole GPU at 50 % on gpu 0; a shared GPU 1 with two pods of team-b at 25 % and 75 % shares.
        run(T0, T0 + 90_000, t -> SampleBuilder.at(t).util(0.5).memUsed(1024L << 20)
                .pods(new PodShare("team-a", "train-abcde", "", -1, 0, 0)).build());
        run(T0, T0 + 60_000, t -> SampleBuilder.at(t).gpu(1).util(1.0).pods(
                new PodShare("team-b", "web-7d9f8b6c4-x2k9p", "", 2048L << 20, 4096L << 20, 0.25),
                new PodShare("team-b", "db-0", "", 0, 0, 0.75)).build());
        h.processWatermark(T0 + 60_000);
        List<UsageSlice> slices = new ArrayList<>();
        h.getSideOutput(NodeAnalytics.USAGE).forEach(r -> slices.add(r.getValue()));
        assertTrue(slices.contains(new UsageSlice(QuotaUsage.Scope.USER, "team-a", "train", T0, 60_000, 30_000,
                1024L * 60_000, 60)), slices.toString());
        assertTrue(slices.contains(new UsageSlice(QuotaUsage.Scope.USER, "team-b", "web", T0, 15_000, 15_000,
                2048L * 60_000, 60)), slices.toString());
        assertTrue(slices.contains(new UsageSlice(QuotaUsage.Scope.USER, "team-b", "db", T0, 45_000, 45_000, 0, 60)),
                slices.toString());
        assertTrue(slices.contains(new UsageSlice(QuotaUsage.Scope.GROUP, "team-b", "", T0, 60_000, 60_000,
                2048L * 60_000, 120)), slices.toString());
        assertEquals(5, slices.size(), "the second minute is not over yet: " + slices);
        h.processWatermark(T0 + 120_000);
        List<SignalSlice> signals = new ArrayList<>();
        h.getSideOutput(NodeAnalytics.SIGNALS).forEach(r -> signals.add(r.getValue()));
        assertTrue(signals.stream().anyMatch(s -> s.workload().equals("web") && s.windowEnd() == T0 + 10_000
                && s.samples() == 10 && s.gpuMillis() == 2500), signals.toString());
    }
}
