package io.gpufleet.scheduler.plugins.gpufleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.scheduler.Schedulers;
import io.gpufleet.scheduler.framework.Decision;
import io.gpufleet.scheduler.framework.Profile;
import io.gpufleet.scheduler.framework.Scheduler;
import io.gpufleet.scheduler.model.Request;
import io.gpufleet.scheduler.quota.QuotaTree;
import io.gpufleet.scheduler.simulator.Policies;
import io.gpufleet.scheduler.simulator.TraceCluster;
import io.gpufleet.scheduler.simulator.TraceNode;
import io.gpufleet.scheduler.state.ClusterState;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GpufleetScoreTest {
    static Request pod(String name, long cpu, long memMiB, int gpus, int milli) {
        return Request.builder(name).cpuMilli(cpu).memoryMiB(memMiB).gpus(gpus).gpuCoreMilli(milli).build();
    }

    @Test
    void strandedGpuIsIdleMilliBeyondWhatCpuAndMemoryCanFeed() {
        StrandedGpu s = new StrandedGpu();
        assertEquals(0, s.of(0, 0, 8000), 1e-9, "nothing learned yet: nothing stranded");
        s.add(pod("whole", 10_000, 20_480, 1, 1000));
        s.add(pod("share", 2_000, 4_096, 1, 500));
        s.add(pod("cpu-only", 50_000, 100_000, 0, 0));
        assertEquals(0, s.of(0, 0, 8000), 1e-9, "counted but not yet published");
        s.publish();
        // 12 000 CPU milli and 24 576 MiB over 1 500 GPU milli; the CPU-only pod does not count.
        assertEquals(8, s.cpuPerGpuMilli(), 1e-12);
        assertEquals(16.384, s.memoryPerGpuMilli(), 1e-12);
        // 8 000 CPU feed 1 000 GPU milli: 1 000 of 2 000 idle are stranded (memory feeds 64 000).
        assertEquals(1000, s.of(8_000, 1 << 20, 2000), 1e-9);
        // 16 384 MiB feed 1 000 GPU milli although CPU feeds 4 000: memory binds.
        assertEquals(1000, s.of(32_000, 16_384, 2000), 1e-9);
        // Enough of both: nothing stranded; no idle GPU: nothing stranded.
        assertEquals(0, s.of(32_000, 1 << 20, 2000), 1e-9);
        assertEquals(0, s.of(0, 0, 0), 1e-9);
        // A 2-GPU pod of 8 cores: 4 CPU milli per GPU milli, so 24 cores feed 6000 of 8000 idle milli.
        StrandedGpu w = new StrandedGpu();
        w.add(pod("a", 8_000, 0, 2, 1000));
        w.publish();
        assertEquals(2000, w.of(24_000, 0, 8000), 1e-9, "no memory asked: memory does not bind");
    }

    @Test
    void cpuOnlyPodGoesWhereItsCpuStrandsNoGpu() {
        // "tight" (listed first): 4 GPUs, 40 cores; "rich": 8 GPUs, 200 cores. A whole GPU of 10 cores arrives first
        // (learned: 10 CPU milli per GPU milli) and takes tight's card 0 (no fragment anywhere: a tie, first node).
        // Then a CPU-only pod of 8 cores: FGD's fragment does not change on either node (the whole-GPU typical pod
        // still fits), so without the stranded term the least idle GPU wins (tight: 3000 < 8000). With it, tight's
        // 22 cores would feed only 2200 of its 3000 idle milli (800 stranded, ΔF = −800), rich's stay ample (ΔF = 0):
        // rich wins.
        assertEquals("rich", placeCpuOnly(Map.of()).allocation().node());
        assertEquals("tight", placeCpuOnly(Map.of("stranded", 0)).allocation().node());
        // Score of rich: ΔF 0 → (0 + 100 000) · 10 000 + (9 999 − 8 000 idle milli).
        assertEquals(1_000_001_999L, placeCpuOnly(Map.of()).scores().get(0).score());
    }

    private static Decision placeCpuOnly(Map<String, Object> args) {
        ClusterState s = TraceCluster.build(List.of(new TraceNode("tight", 40_000, 262_144, 4, "T4"),
                new TraceNode("rich", 200_000, 262_144, 8, "T4")), -1);
        Scheduler sch = Schedulers.create(s, QuotaTree.empty(), profile(args), Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));
        Decision first = sch.schedule(pod("w", 10_000, 1024, 1, 1000));
        assertTrue(first.placed(), first.explain());
        assertEquals("tight", first.allocation().node());
        Decision d = sch.schedule(pod("c", 8_000, 1024, 0, 0));
        assertTrue(d.placed(), d.explain());
        return d;
    }

    static Profile profile(Map<String, Object> args) {
        Profile p = Policies.load("gpufleet");
        Map<String, Map<String, Object>> cfg = new LinkedHashMap<>(p.pluginConfig());
        Map<String, Object> a = new HashMap<>(p.args("gpufleet"));
        a.putAll(args);
        cfg.put("gpufleet", a);
        return new Profile(p.name(), p.percentageOfNodesToScore(), p.minFeasibleNodesToFind(), p.cardAllocation(),
                p.gangStarvationSeconds(), p.maxPreemptionNodes(), p.queueSort(), p.preFilter(), p.filter(), p.score(),
                p.reserve(), p.permit(), p.postFilter(), p.bind(), cfg);
    }

    @Test
    void aPodAskingGpuMemoryOnlyIsLearnedAndPlaced() {
        // No compute share asked: it fits any card, so it is counted as a shape that compute never fragments.
        ClusterState s = new ClusterState();
        s.addNode(io.gpufleet.scheduler.bench.SyntheticCluster.node("n", io.gpufleet.scheduler.bench.SyntheticCluster.Wiring.PCIE,
                "T4", 15_360, 4, 64_000, 256_000, Map.of()));
        Scheduler sch = Schedulers.create(s, QuotaTree.empty(), profile(Map.of()), Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));
        assertTrue(sch.schedule(pod("share", 2_000, 1024, 1, 500)).placed());
        Decision d = sch.schedule(Request.builder("mem").cpuMilli(1_000).gpus(1).gpuMemoryMiB(4_096).build());
        assertTrue(d.placed(), d.explain());
        Decision after = sch.schedule(pod("share2", 2_000, 1024, 1, 500));
        assertTrue(after.placed(), after.explain());
        assertEquals(1000 * 4 - 1000, s.node("n").freeGpuMilli(), "the memory-only pod takes no compute");
    }

    @Test
    void badStrandedWeightIsRefusedNamingTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> profileScheduler(Map.of("stranded", -1)));
        assertTrue(e.getMessage().contains("stranded"), e.getMessage());
    }

    private static void profileScheduler(Map<String, Object> args) {
        ClusterState s = TraceCluster.build(List.of(new TraceNode("n", 8_000, 32_768, 1, "T4")), -1);
        Schedulers.create(s, QuotaTree.empty(), profile(args), Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));
    }
}
