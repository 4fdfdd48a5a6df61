package io.gpufleet.scheduler.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.scheduler.Schedulers;
import io.gpufleet.scheduler.allocator.CardAllocator;
import io.gpufleet.scheduler.framework.Decision;
import io.gpufleet.scheduler.framework.Profile;
import io.gpufleet.scheduler.framework.Scheduler;
import io.gpufleet.scheduler.model.Allocation;
import io.gpufleet.scheduler.model.Request;
import io.gpufleet.scheduler.quota.QuotaTree;
import io.gpufleet.scheduler.state.ClusterState;
import io.gpufleet.scheduler.state.NodeState;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Each baseline's choice on small hand-made clusters (nodes in the order given: ties go to the first). */
class BaselinePoliciesTest {
    static ClusterState cluster(TraceNode... nodes) {
        return TraceCluster.build(List.of(nodes), -1);
    }

    static Scheduler scheduler(ClusterState s, Profile p) {
        return Schedulers.create(s, QuotaTree.empty(), p, Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));
    }

    static Request req(String name, long cpu, int k, int milli) {
        return TraceCluster.request(new TracePod(name, cpu, 1024, k, milli, Set.of(), -1, -1));
    }

    /** Puts a pod on the given cards directly (the cluster's history), outside any policy. */
    static void place(ClusterState s, String node, Request r, int cards) {
        NodeState n = s.node(node);
        s.assume(new Allocation(r, node, CardAllocator.shares(n, r, cards)));
    }

    static int card(Decision d) {
        assertTrue(d.placed(), d.explain());
        return d.allocation().gpus().get(0).index();
    }

    @Test
    void everyPolicyIsAProfileThatScoresEveryNode() {
        for (String p : Policies.ALL) {
            Profile shipped = Policies.load(p);
            if (p.equals("gpufleet")) {
                assertEquals(Profile.defaultProfile(), shipped, "gpufleet's policy is the scheduler's default profile");
                assertEquals("gpufleet", shipped.score().get(0).name());
            } else {
                assertEquals(p, shipped.name());
                assertEquals(List.of(p), shipped.score().stream().map(Profile.WeightedPlugin::name).toList());
            }
            // The protocol scores every feasible node, whatever the profile samples in a live cluster.
            Profile run = Policies.forRun(p, 42, List.of());
            assertEquals(100, run.percentageOfNodesToScore(), p);
            assertEquals(1_000_000, run.minFeasibleNodesToFind(), p);
        }
    }

    @Test
    void bestFitTakesTheNodeWithTheLeastLeftover() {
        // Whole GPU, 1 core: a 4-GPU node would keep 3 GPUs free, a 2-GPU node 1: the 2-GPU node (listed second) wins.
        ClusterState s = cluster(new TraceNode("big", 64_000, 262_144, 4, "T4"), new TraceNode("small", 64_000, 262_144, 2, "T4"));
        Decision d = scheduler(s, Policies.load("bestfit")).schedule(req("p", 1000, 1, 1000));
        assertEquals("small", d.allocation().node());
        // Sharing pod: the card is the tightest that fits.
        ClusterState one = cluster(new TraceNode("n", 64_000, 262_144, 4, "T4"));
        place(one, "n", req("q", 1000, 1, 600), 0b0100);
        Decision e = scheduler(one, Policies.load("bestfit")).schedule(req("r", 1000, 1, 300));
        assertEquals(2, card(e));
    }

    @Test
    void dotProductTakesTheNodeWithTheSmallestDotProduct() {
        // cpu 8 cores, 1 GPU: (64/128)(8/128) + (2/8)(1/8) = 0.0625 against (16/128)(8/128) + (2/8)(1/8) = 0.039.
        ClusterState s = cluster(new TraceNode("cpu-rich", 64_000, 262_144, 2, "T4"), new TraceNode("cpu-poor", 16_000, 262_144, 2, "T4"));
        Decision d = scheduler(s, Policies.load("dotprod")).schedule(req("p", 8000, 1, 1000));
        assertEquals("cpu-poor", d.allocation().node());
    }

    @Test
    void gpuPackingPrefersPartlyUsedCardsThenBusyNodesThenIdleNodes() {
        ClusterState s = cluster(new TraceNode("idle", 64_000, 262_144, 2, "T4"), new TraceNode("shared", 64_000, 262_144, 2, "T4"),
                new TraceNode("busy", 64_000, 262_144, 2, "T4"));
        place(s, "shared", req("a", 1000, 1, 300), 0b01);
        place(s, "busy", req("b", 1000, 1, 1000), 0b01);
        Scheduler sch = scheduler(s, Policies.load("gpupacking"));
        Decision d = sch.schedule(req("p", 1000, 1, 500));
        assertEquals("shared", d.allocation().node());
        assertEquals(0, card(d));
        // A whole GPU: "busy" ends fully used, "shared" at 1800/2000, "idle" is idle.
        assertEquals("busy", sch.schedule(req("w", 1000, 1, 1000)).allocation().node());
        assertEquals("shared", sch.schedule(req("w2", 1000, 1, 1000)).allocation().node());
        assertEquals("idle", sch.schedule(req("w3", 1000, 1, 1000)).allocation().node());
    }

    @Test
    void gpuClusteringPrefersNodesOfTheSameShareClass() {
        ClusterState s = cluster(new TraceNode("quarter", 64_000, 262_144, 2, "T4"), new TraceNode("idle", 64_000, 262_144, 2, "T4"),
                new TraceNode("mixed", 64_000, 262_144, 2, "T4"), new TraceNode("half", 64_000, 262_144, 2, "T4"));
        place(s, "quarter", req("a", 1000, 1, 250), 0b01);
        place(s, "mixed", req("b", 1000, 1, 500), 0b01);
        place(s, "mixed", req("c", 1000, 1, 250), 0b10);
        place(s, "half", req("d", 1000, 1, 500), 0b01);
        Scheduler sch = scheduler(s, Policies.load("gpuclustering"));
        assertEquals("half", sch.schedule(req("p", 1000, 1, 500)).allocation().node());
        // A whole GPU belongs to no class present: the idle node comes before nodes of other classes.
        assertEquals("idle", sch.schedule(req("w", 1000, 1, 1000)).allocation().node());
        // Now "idle" holds class 1000 only: the next whole GPU joins it.
        assertEquals("idle", sch.schedule(req("w2", 1000, 1, 1000)).allocation().node());
    }

    @Test
    void fgdTakesTheNodeAndCardWhoseFragmentationGrowsLeast() {
        // Typical pod: one whole GPU. "fresh" [1000,1000] would be left with a 500 fragment (score 37);
        // on "half" [1000,500] the pod fills the half-used card and removes its fragment (score 62).
        List<TracePod> typical = List.of(new TracePod("t", 1000, 1024, 1, 1000, Set.of(), -1, -1));
        ClusterState s = cluster(new TraceNode("fresh", 64_000, 262_144, 2, "T4"), new TraceNode("half", 64_000, 262_144, 2, "T4"));
        place(s, "half", req("a", 1000, 1, 500), 0b10);
        Decision d = scheduler(s, Policies.forRun("fgd", 1, typical)).schedule(req("p", 1000, 1, 500));
        assertEquals("half", d.allocation().node());
        assertEquals(1, card(d));
        assertEquals(62, d.scores().get(0).score());
    }

    @Test
    void fgdChoosesTheCardByFragmentationNotByTightestFit() {
        // Cards with 300 and 600 free, typical pod 300 milli. A 250 pod on the 300 card leaves a 50 fragment; on
        // the 600 card it leaves 350 (still holds a 300 pod) and nothing is a fragment: FGD takes card 1, while the
        // tightest fit (bestfit's card) is card 0.
        List<TracePod> typical = List.of(new TracePod("t", 1000, 1024, 1, 300, Set.of(), -1, -1));
        ClusterState s = cluster(new TraceNode("n", 64_000, 262_144, 2, "T4"));
        place(s, "n", req("a", 1000, 1, 700), 0b01);
        place(s, "n", req("b", 1000, 1, 400), 0b10);
        assertEquals(1, card(scheduler(s, Policies.forRun("fgd", 1, typical)).schedule(req("p", 1000, 1, 250))));
        ClusterState s2 = cluster(new TraceNode("n", 64_000, 262_144, 2, "T4"));
        place(s2, "n", req("a", 1000, 1, 700), 0b01);
        place(s2, "n", req("b", 1000, 1, 400), 0b10);
        assertEquals(0, card(scheduler(s2, Policies.load("bestfit")).schedule(req("p", 1000, 1, 250))));
    }

    @Test
    void randomSpreadsOverFeasibleNodesAndCardsAndRepeatsWithItsSeed() {
        Set<String> first = new HashSet<>();
        List<String> run1 = null;
        for (int attempt = 0; attempt < 2; attempt++) {
            ClusterState s = cluster(new TraceNode("a", 64_000, 262_144, 4, "T4"), new TraceNode("b", 64_000, 262_144, 4, "T4"),
                    new TraceNode("full", 1_000, 262_144, 4, "T4"));
            place(s, "full", req("x", 1000, 0, 0), 0);
            Scheduler sch = scheduler(s, Policies.forRun("random", 42, List.of()));
            List<String> picks = new java.util.ArrayList<>();
            for (int i = 0; i < 24; i++) {
                Decision d = sch.schedule(req("p" + i, 1000, 1, 100));
                assertTrue(d.placed());
                picks.add(d.allocation().node() + "/" + card(d));
                first.add(d.allocation().node() + "/" + card(d));
            }
            if (run1 == null) run1 = picks;
            else assertEquals(run1, picks);
        }
        assertTrue(first.stream().noneMatch(p -> p.startsWith("full")), "the CPU-full node is infeasible");
        assertTrue(first.size() >= 6, "24 picks over 8 cards should reach most of them: " + first);
    }
}
