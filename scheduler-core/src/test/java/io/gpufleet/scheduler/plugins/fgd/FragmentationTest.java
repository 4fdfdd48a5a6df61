package io.gpufleet.scheduler.plugins.fgd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.gpufleet.scheduler.Schedulers;
import io.gpufleet.scheduler.allocator.CardAllocator;
import io.gpufleet.scheduler.framework.CycleState;
import io.gpufleet.scheduler.framework.Scheduler;
import io.gpufleet.scheduler.model.Allocation;
import io.gpufleet.scheduler.model.Gpu;
import io.gpufleet.scheduler.model.Node;
import io.gpufleet.scheduler.model.Request;
import io.gpufleet.scheduler.plugins.gpufleet.GpufleetScore;
import io.gpufleet.scheduler.quota.QuotaTree;
import io.gpufleet.scheduler.state.ClusterState;
import io.gpufleet.scheduler.state.NodeState;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FragmentationTest {
    static ClusterState node(long cpu, String model, int... used) {
        ClusterState s = new ClusterState();
        List<Gpu> gpus = new ArrayList<>();
        for (int i = 0; i < used.length; i++) gpus.add(new Gpu("g" + i, i, model, 16384, 0, 0, Map.of(), null));
        s.addNode(new Node("n", cpu, 1 << 20, Map.of(), gpus));
        for (int i = 0; i < used.length; i++) {
            if (used[i] == 0) continue;
            Request r = Request.builder("u" + i).cpuMilli(1000).gpus(1).gpuCoreMilli(used[i]).build();
            s.assume(new Allocation(r, "n", CardAllocator.shares(s.node(0), r, 1 << i)));
        }
        return s;
    }

    static TypicalPod t(long cpu, int milli, int k, double p, String... models) {
        return new TypicalPod(cpu, milli, k, Set.of(models), p);
    }

    @Test
    void handComputedFragments() {
        // Free [1000, 300, 0] (cpu 10 cores left of 12 after two 1-core pods).
        ClusterState s = node(12_000, "T4", 0, 700, 1000);
        NodeState n = s.node(0);
        // Sharing 500: runs on card 0; card 1 (300 < 500) is a fragment: 300.
        assertEquals(300, new Fragmentation(List.of(t(1000, 500, 1, 1)), s).of(n), 1e-9);
        // Whole GPU: runs on card 0; card 1's 300 is a fragment.
        assertEquals(300, new Fragmentation(List.of(t(1000, 1000, 1, 1)), s).of(n), 1e-9);
        // Two whole GPUs: cannot run, all 1300 idle milli are fragments.
        assertEquals(1300, new Fragmentation(List.of(t(1000, 1000, 2, 1)), s).of(n), 1e-9);
        // CPU short (needs 11 cores, 10 free): all idle.
        assertEquals(1300, new Fragmentation(List.of(t(11_000, 100, 1, 1)), s).of(n), 1e-9);
        // CPU-only typical pod: all idle.
        assertEquals(1300, new Fragmentation(List.of(t(1000, 0, 0, 1)), s).of(n), 1e-9);
        // Model not accepted: all idle.
        assertEquals(1300, new Fragmentation(List.of(t(1000, 100, 1, 1, "V100M32")), s).of(n), 1e-9);
        // Mixture: 0.5 · 300 + 0.25 · 1300 + 0.25 · 0 (a 200 pod fits on both cards).
        Fragmentation mix = new Fragmentation(List.of(t(1000, 500, 1, 0.5), t(1000, 0, 0, 0.25), t(1000, 200, 1, 0.25)), s);
        assertEquals(150 + 325, mix.of(n), 1e-9);
        // What-if: taking 250 from card 0 leaves [750, 300]: the 500 pod still runs, fragments 300 → 0.5·300 +
        // 0.25·1050 + 0.
        assertEquals(150 + 262.5, mix.of(n, n.cpuFree(), 0b001, 250), 1e-9);
        // Ratio: Σ F / idle.
        assertEquals((150 + 325) / 1300.0, mix.ratio(s), 1e-9);
    }

    @Test
    void typicalPodsKeepTheMostFrequentShapesUpToCoverageAndRenormalise() {
        TypicalPods c = new TypicalPods();
        c.add(t(1000, 500, 1, 1), 6);
        c.add(t(2000, 1000, 1, 1), 3);
        c.add(t(1000, 0, 0, 1), 1);
        List<TypicalPod> kept = c.typical(0.9);
        assertEquals(2, kept.size());
        assertEquals(500, kept.get(0).gpuMilli());
        assertEquals(6 / 9.0, kept.get(0).weight(), 1e-12);
        assertEquals(3 / 9.0, kept.get(1).weight(), 1e-12);
        assertEquals(3, c.typical(1.0).size());
        assertEquals(1, c.typical(0.5).size());
        assertThrows(IllegalArgumentException.class, () -> c.typical(0));
    }

    @Test
    void gpufleetLearnsTheDistributionOnlyFromArrivedPods() {
        ClusterState s = node(64_000, "T4", 0, 0);
        Scheduler sch = Schedulers.create(s, QuotaTree.empty(), Clock.systemUTC());
        GpufleetScore g = new GpufleetScore(Map.of(), sch);
        assertEquals(List.of(), g.fragmentation().typical());
        Request a = Request.builder("a").cpuMilli(1000).gpus(1).gpuCoreMilli(500).build();
        Request b = Request.builder("b").cpuMilli(1000).gpus(1).build();
        g.preFilter(new CycleState(a), a);
        g.preFilter(new CycleState(a), a.withName("a2"));
        g.preFilter(new CycleState(b), b);
        List<TypicalPod> learned = g.fragmentation().typical();
        assertEquals(2, learned.size());
        assertEquals(500, learned.get(0).gpuMilli());
        assertEquals(2 / 3.0, learned.get(0).weight(), 1e-12);
        assertEquals(1000, learned.get(1).gpuMilli());
    }

    @Test
    void aPodThatComesBackToPreFilterCountsOnce() {
        // A queued pod is retried every pass; planning cycles and what-ifs run PreFilter too. Five passes of "a" and
        // one of "b": an even split, not 5 to 1.
        ClusterState s = node(64_000, "T4", 0, 0);
        Scheduler sch = Schedulers.create(s, QuotaTree.empty(), Clock.systemUTC());
        GpufleetScore g = new GpufleetScore(Map.of(), sch);
        Request a = Request.builder("a").cpuMilli(1000).gpus(1).gpuCoreMilli(500).build();
        Request b = Request.builder("b").cpuMilli(1000).gpus(1).build();
        for (int i = 0; i < 5; i++) g.preFilter(new CycleState(a), a);
        g.preFilter(new CycleState(b), b);
        List<TypicalPod> learned = g.fragmentation().typical();
        assertEquals(2, learned.size());
        assertEquals(0.5, learned.get(0).weight(), 1e-12);
        assertEquals(0.5, learned.get(1).weight(), 1e-12);
    }

    @Test
    void learnedCountsHalveEveryHalfLifeSoTheDistributionFollowsTheWorkload() {
        // 100 whole-GPU pods, then 300 half-GPU pods. Halving at arrivals 100, 200, 300, 400 leaves 6 whole and 87
        // half (100→50→25→12→6; 100→50, +100→150→75, +100→175→87); never halving keeps 100 and 300.
        assertEquals(6 / 93.0, wholeWeightAfterShift(100), 1e-12);
        assertEquals(100 / 398.0, wholeWeightAfterShift(0), 1e-12, "the last rebuild (every 5%) counted 398 pods");
        TypicalPods t = new TypicalPods();
        t.add(new TypicalPod(1000, 500, 1, Set.of(), 1), 5);
        t.add(new TypicalPod(1000, 1000, 1, Set.of(), 1), 1);
        t.halve();
        assertEquals(2, t.total(), "5 → 2; a shape seen once is forgotten");
        assertEquals(1, t.typical(1.0).size());
    }

    private static double wholeWeightAfterShift(long halfLife) {
        ClusterState s = node(64_000, "T4", 0, 0);
        Scheduler sch = Schedulers.create(s, QuotaTree.empty(), Clock.systemUTC());
        GpufleetScore g = new GpufleetScore(Map.of("halfLife", halfLife), sch);
        for (int i = 0; i < 400; i++) {
            Request r = Request.builder("p" + i).cpuMilli(1000).gpus(1).gpuCoreMilli(i < 100 ? 1000 : 500).build();
            g.preFilter(new CycleState(r), r);
        }
        for (TypicalPod t : g.fragmentation().typical()) if (t.gpuMilli() == 1000) return t.weight();
        return 0;
    }

    @Test
    void placedMixMeasuresWhatTheCurrentWorkloadCannotUse() {
        ClusterState st = new ClusterState();
        st.addNode(io.gpufleet.scheduler.Fixtures.pcie("a", 1));
        st.addNode(io.gpufleet.scheduler.Fixtures.pcie("b", 1));
        assertEquals(0.0, Fragmentation.ofPlacedMix(st), "nothing placed: no typical request, no fragment");
        Request r = Request.builder("s").gpus(1).gpuCoreMilli(810).build();
        NodeState a = st.node("a");
        st.assume(new Allocation(r, "a", CardAllocator.shares(a, r, 1)));
        // The only shape placed is 810 milli: a's 190 left over cannot hold one, b's free card can.
        assertEquals(190.0, Fragmentation.ofPlacedMix(st), 1e-9);
        // A pod asking GPU memory only joins the mix as a shape that fits any card: half the mix now fits a's 190.
        Request m = Request.builder("m").gpus(1).gpuMemoryMiB(1024).build();
        st.assume(new Allocation(m, "b", CardAllocator.shares(st.node("b"), m, 1)));
        assertEquals(95.0, Fragmentation.ofPlacedMix(st), 1e-9);
    }

    @Test
    void whatIfsFromASnapshotMatchTheFullMeasure() {
        // Property over random nodes (cards partly used, some unhealthy, two models) and random distributions:
        // after() from a snapshot gives of()'s value for every CPU and card take.
        Random rnd = new Random(11);
        for (int c = 0; c < 300; c++) {
            ClusterState st = new ClusterState();
            int g = 1 + rnd.nextInt(8);
            st.addNode(io.gpufleet.scheduler.Fixtures.pcie("n", g));
            st.addNode(io.gpufleet.scheduler.Fixtures.cubeMesh("other-model"));
            NodeState n = st.node("n");
            for (int i = 0, k = rnd.nextInt(14); i < k; i++) {
                int milli = 10 * (1 + rnd.nextInt(100));
                int card = rnd.nextInt(g);
                Request r = Request.builder("p" + i).cpuMilli(rnd.nextInt(8_000)).gpus(1).gpuCoreMilli(milli).build();
                if (n.coreFree(card) >= milli && n.cpuFree() >= r.cpuMilli()) {
                    st.assume(new Allocation(r, "n", CardAllocator.shares(n, r, 1 << card)));
                }
            }
            if (rnd.nextInt(4) == 0) st.setGpuHealth("n", rnd.nextInt(g), false);
            List<TypicalPod> typical = new ArrayList<>();
            for (int i = 0, k = 1 + rnd.nextInt(40); i < k; i++) {
                int gpus = rnd.nextInt(5);
                int milli = gpus == 0 ? 0 : gpus > 1 || rnd.nextBoolean() ? 1000 : 10 * (1 + rnd.nextInt(99));
                Set<String> models = switch (rnd.nextInt(4)) {
                    case 0 -> Set.of("T4-16GB");
                    case 1 -> Set.of("V100-SXM2-32GB");
                    default -> Set.of();
                };
                typical.add(new TypicalPod(1_000L * rnd.nextInt(70), milli, gpus, models, rnd.nextDouble()));
            }
            Fragmentation f = new Fragmentation(typical, st);
            Fragmentation.Snapshot snap = new Fragmentation.Snapshot();
            assertEquals(definition(typical, st, n, n.cpuFree(), 0, 0), f.snapshot(n, snap), 1e-6, "case " + c);
            assertEquals(definition(typical, st, n, n.cpuFree(), 0, 0), f.of(n), 1e-6, "case " + c);
            for (int k = 0; k < 20; k++) {
                int milli = 10 * (1 + rnd.nextInt(100));
                int take = 0;
                for (int card = 0; card < g; card++) if (n.coreFree(card) >= milli && rnd.nextInt(3) == 0) take |= 1 << card;
                long cpu = n.cpuFree() - rnd.nextInt(20_000);
                double want = definition(typical, st, n, cpu, take, milli);
                String what = "case " + c + " take " + Integer.toBinaryString(take) + " of " + milli + ", cpu " + cpu;
                assertEquals(want, f.after(snap, n, cpu, take, milli), 1e-6, what);
                assertEquals(want, f.of(n, cpu, take, milli), 1e-6, what);
            }
        }
    }

    /** FGD's measure as written in the paper, pod by pod and card by card: the reference the fast form must match. */
    private static double definition(List<TypicalPod> typical, ClusterState st, NodeState n, long cpuFree, int take, int milli) {
        int[] free = new int[n.gpuCount()];
        long idle = 0;
        for (int c = 0; c < free.length; c++) {
            free[c] = n.coreFree(c) - ((take & (1 << c)) != 0 ? milli : 0);
            if (n.healthy(c)) idle += free[c];
        }
        if (idle == 0) return 0;
        double f = 0;
        for (TypicalPod t : typical) {
            if (t.numGpu() == 0 || t.cpuMilli() > cpuFree) {
                f += t.weight() * idle;
                continue;
            }
            int fit = 0;
            long part = 0;
            for (int c = 0; c < free.length; c++) {
                if (!n.healthy(c)) continue;
                int card = c;
                boolean model = t.models().isEmpty() || t.models().stream().anyMatch(m -> st.modelId(m) == n.modelId(card));
                if (free[c] >= t.gpuMilli() && model) fit++;
                else part += free[c];
            }
            f += t.weight() * (fit >= t.numGpu() ? part : idle);
        }
        return f;
    }
}
