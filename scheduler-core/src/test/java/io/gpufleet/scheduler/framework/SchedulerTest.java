package io.gpufleet.scheduler.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.scheduler.Fixtures;
import io.gpufleet.scheduler.Schedulers;
import io.gpufleet.scheduler.TestClock;
import io.gpufleet.scheduler.model.Allocation;
import io.gpufleet.scheduler.model.Node;
import io.gpufleet.scheduler.model.NodeLabels;
import io.gpufleet.scheduler.model.Request;
import io.gpufleet.scheduler.quota.QuotaTree;
import io.gpufleet.scheduler.state.ClusterState;
import io.gpufleet.scheduler.state.NodeState;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SchedulerTest {

    private static Scheduler scheduler(ClusterState s) {
        return Schedulers.create(s, QuotaTree.empty(), new TestClock());
    }

    @Test
    void decisionExplainsRejectionsAndWinnerScore() {
        ClusterState s = Fixtures.state(Fixtures.cpuOnly("cpu"), Fixtures.pcie("small", 1), Fixtures.pcie("big", 4));
        Decision d = scheduler(s).schedule(Request.builder("p").gpus(2).cpuMilli(1000).build());
        assertEquals(Decision.Outcome.BOUND, d.outcome());
        assertEquals("big", d.allocation().node());
        assertEquals(2, d.allocation().gpus().size());
        Map<String, Rejection> why = d.rejections().byNode();
        assertEquals(Set.of("cpu", "small"), why.keySet());
        assertTrue(why.get("cpu").message().contains("fewer healthy GPUs"), why.toString());
        assertEquals("health", why.get("cpu").plugin());
        assertEquals(List.of("gpufleet", "topology", "datalocality", "health"), d.scores().stream().map(Decision.ScoreEntry::plugin).toList());
        assertTrue(d.explain().contains("big"), d.explain());
        assertTrue(s.placement("p").bound());
    }

    @Test
    void unschedulableKeepsStateAndSaysWhy() {
        ClusterState s = Fixtures.state(Fixtures.pcie("a", 2));
        Decision d = scheduler(s).schedule(Request.builder("p").gpus(4).build());
        assertFalse(d.placed());
        assertNull(d.allocation());
        // The cluster-wide count answers without visiting nodes.
        assertEquals(0, d.nodesEvaluated());
        assertTrue(d.reason().contains("no node in the cluster has 4 free whole GPUs"), d.reason());
        Decision two = scheduler(s).schedule(Request.builder("q").gpus(2).allowedModels(Set.of("A100-SXM4-80GB")).build());
        assertFalse(two.placed());
        assertTrue(two.reason().contains("A100"), two.reason());
        assertEquals(0, s.placedCount());
        assertEquals(0, s.gpuMilliUsed());
    }

    @Test
    void sharingFillsOneCardBeforeTheNextAndNeverOverCommits() {
        ClusterState s = Fixtures.state(Fixtures.pcie("a", 2));
        Scheduler sch = scheduler(s);
        for (int i = 0; i < 8; i++) {
            Decision d = sch.schedule(Request.builder("p" + i).gpus(1).gpuCoreMilli(250).gpuMemoryMiB(1000).build());
            assertTrue(d.placed(), d.explain());
        }
        // Binpack at card level: four quarters on one card, four on the other.
        assertEquals(0, s.node("a").coreFree(0));
        assertEquals(0, s.node("a").coreFree(1));
        Decision ninth = sch.schedule(Request.builder("p8").gpus(1).gpuCoreMilli(250).gpuMemoryMiB(1000).build());
        assertFalse(ninth.placed());
        assertTrue(ninth.reason().startsWith("gpushare: no GPU in the cluster has 250 milli"), ninth.reason());
        // A memory-only share still fits: compute is not asked.
        assertTrue(sch.schedule(Request.builder("m").gpus(1).gpuMemoryMiB(1000).build()).placed());
    }

    @Test
    void binpackPrefersTheBusyNodeSpreadTheIdleOne() {
        for (String policy : List.of("binpack", "spread")) {
            ClusterState s = Fixtures.state(Fixtures.pcie("a", 4), Fixtures.pcie("b", 4));
            String yaml = """
                    cardAllocation: %s
                    plugins:
                      filter: [noderesources, gpushare]
                      score: [%s]
                      bind: [defaultbinder]
                    """.formatted(policy, policy);
            Scheduler sch = Schedulers.create(s, QuotaTree.empty(), Profile.fromYaml(yaml), new TestClock());
            Decision first = sch.schedule(Request.builder("first").gpus(1).gpuCoreMilli(500).build());
            Decision second = sch.schedule(Request.builder("second").gpus(1).gpuCoreMilli(200).build());
            if (policy.equals("binpack")) {
                assertEquals(first.allocation().node(), second.allocation().node());
                assertEquals(first.allocation().gpus().get(0).index(), second.allocation().gpus().get(0).index());
            } else {
                assertFalse(first.allocation().node().equals(second.allocation().node()), second.explain());
            }
        }
    }

    @Test
    void multiGpuGoesToTheBestConnectedNode() {
        ClusterState s = Fixtures.state(Fixtures.pcie("pcie", 8), Fixtures.cubeMesh("mesh"), Fixtures.nvswitch("nvs"));
        Decision d = scheduler(s).schedule(Request.builder("p").gpus(4).build());
        assertEquals("nvs", d.allocation().node(), d.explain());
        // On the cube mesh alone, 4 GPUs come from one fully linked quad.
        ClusterState m = Fixtures.state(Fixtures.cubeMesh("mesh"));
        Decision q = scheduler(m).schedule(Request.builder("q").gpus(4).build());
        int mask = 0;
        for (var g : q.allocation().gpus()) mask |= 1 << g.index();
        assertTrue(mask == 0x0F || mask == 0xF0, "a quad of the mesh, got " + Integer.toBinaryString(mask));
        // With one card of a quad taken, the 4 GPUs come from the other quad, not from the lowest free indices
        // (the default profile's fragmentation score keeps the allocator's topology-aware pick).
        ClusterState one = Fixtures.state(Fixtures.cubeMesh("mesh"));
        Scheduler sch = scheduler(one);
        int taken = 1 << sch.schedule(Request.builder("w").gpus(1).build()).allocation().gpus().get(0).index();
        Decision quad = sch.schedule(Request.builder("q2").gpus(4).build());
        int m2 = 0;
        for (var g : quad.allocation().gpus()) m2 |= 1 << g.index();
        assertTrue((m2 == 0x0F || m2 == 0xF0) && (m2 & taken) == 0,
                "the free quad, got " + Integer.toBinaryString(m2) + " with " + Integer.toBinaryString(taken) + " taken");
    }

    @Test
    void modelsSelectorAndDataLocality() {
        Map<String, String> cached = new HashMap<>(Fixtures.labels("c", "r0"));
        cached.put(NodeLabels.DATASETS, "imagenet,coco");
        cached.put("pool", "train");
        Node withData = io.gpufleet.scheduler.bench.SyntheticCluster.node("c", io.gpufleet.scheduler.bench.SyntheticCluster.Wiring.PCIE,
                "T4-16GB", 15_360, 4, 64_000, 256_000, cached);
        ClusterState s = Fixtures.state(Fixtures.pcie("a", 4), withData, Fixtures.nvswitch("n"));
        Scheduler sch = scheduler(s);
        assertEquals("n", sch.schedule(Request.builder("m").gpus(1).allowedModels(Set.of("A100-SXM4-80GB")).build()).allocation().node());
        Decision none = sch.schedule(Request.builder("x").gpus(1).allowedModels(Set.of("B200")).build());
        assertFalse(none.placed());
        assertTrue(none.reason().contains("B200"), none.reason());
        assertEquals("c", sch.schedule(Request.builder("sel").gpus(1).nodeSelector(Map.of("pool", "train")).build()).allocation().node());
        Decision d = sch.schedule(Request.builder("data").gpus(1).gpuCoreMilli(100).allowedModels(Set.of("T4-16GB")).dataset("coco").build());
        assertEquals("c", d.allocation().node(), d.explain());
        assertTrue(d.scores().stream().anyMatch(e -> e.plugin().equals("datalocality") && e.score() == 100));
    }

    @Test
    void unhealthyGpusLeaveThePoolAndTheirPodsAreReported() {
        ClusterState s = Fixtures.state(Fixtures.pcie("a", 2));
        Scheduler sch = scheduler(s);
        Decision d = sch.schedule(Request.builder("p").gpus(1).gpuCoreMilli(300).build());
        int card = d.allocation().gpus().get(0).index();
        List<Allocation> hit = sch.setGpuHealth("a", card, false);
        assertEquals(List.of("p"), hit.stream().map(Allocation::pod).toList());
        for (int i = 0; i < 3; i++) {
            Decision n = sch.schedule(Request.builder("q" + i).gpus(1).gpuCoreMilli(300).build());
            if (n.placed()) assertFalse(n.allocation().gpus().get(0).index() == card, "no new pod on the unhealthy GPU");
        }
        assertFalse(sch.schedule(Request.builder("two").gpus(2).build()).placed());
        assertNotNull(sch.delete("p"));
        assertTrue(s.podsOnUnhealthyGpus().isEmpty());
    }

    @Test
    void sameInputsSameDecisions() {
        List<String> a = run(), b = run();
        assertEquals(a, b);
    }

    private static List<String> run() {
        ClusterState s = new ClusterState();
        io.gpufleet.scheduler.bench.SyntheticCluster.mixed(40, 7).forEach(s::addNode);
        Scheduler sch = scheduler(s);
        List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < 200; i++) {
            Request r = Request.builder("p" + i).gpus(1 + i % 3).gpuCoreMilli(i % 2 == 0 ? 1000 : 300).cpuMilli(1000).build();
            Decision d = sch.schedule(r);
            out.add(d.placed() ? d.allocation().node() + d.allocation().gpus() : "none");
        }
        return out;
    }

    @Test
    void everyVisitedNodeIsEitherFeasibleOrRejectedWithAReason() {
        ClusterState s = new ClusterState();
        io.gpufleet.scheduler.bench.SyntheticCluster.mixed(300, 3).forEach(s::addNode);
        Scheduler sch = scheduler(s);
        for (int i = 0; i < 50; i++) {
            Decision d = sch.schedule(Request.builder("p" + i).gpus(8).allowedModels(Set.of("T4-16GB")).build());
            assertEquals(d.nodesEvaluated(), d.feasibleNodes() + d.rejections().count(), d.explain());
            for (int k = 0; k < d.rejections().count(); k++) assertNotNull(d.rejections().reason(k).message());
            if (!d.placed()) {
                assertEquals(300, d.rejections().count(), "an unschedulable pod was tried on every node");
                assertTrue(d.rejections().summary().keySet().stream().anyMatch(r -> r.contains("allowed model")), d.explain());
            }
        }
    }

    @Test
    void assignmentAnnotationRoundTripsAndRebuildsState() {
        ClusterState s = Fixtures.state(Fixtures.nvswitch("n"), Fixtures.pcie("p", 4));
        QuotaTree quotas = new QuotaTree(List.of(new io.gpufleet.scheduler.quota.QuotaSpec("team", null, null, null)));
        Scheduler sch = Schedulers.create(s, quotas, new TestClock());
        Request r = Request.builder("ns/train").gpus(2).gpuCoreMilli(400).gpuMemoryMiB(10_000).quotaGroup("team").build();
        Decision d = sch.schedule(r);
        String json = d.allocation().toAssignment().toJson();
        io.gpufleet.contracts.GpuAssignment back = io.gpufleet.contracts.GpuAssignment.parse(json);
        assertEquals(d.allocation().gpus(), back.gpus());

        // A restarted scheduler rebuilds the same state from the annotation.
        ClusterState fresh = Fixtures.state(Fixtures.nvswitch("n"), Fixtures.pcie("p", 4));
        QuotaTree freshQuotas = new QuotaTree(List.of(new io.gpufleet.scheduler.quota.QuotaSpec("team", null, null, null)));
        Scheduler restarted = Schedulers.create(fresh, freshQuotas, new TestClock());
        Decision adopted = restarted.adopt(r, back);
        assertEquals(Decision.Outcome.BOUND, adopted.outcome(), adopted.explain());
        assertEquals(s.gpuMilliUsed(), fresh.gpuMilliUsed());
        assertEquals(quotas.used("team"), freshQuotas.used("team"));
        NodeState before = s.node(d.allocation().node()), after = fresh.node(d.allocation().node());
        for (int i = 0; i < before.gpuCount(); i++) assertEquals(before.coreFree(i), after.coreFree(i));
        // Adopting it twice, a share that differs from the request, or more than the GPUs hold is refused.
        assertFalse(restarted.adopt(r, back).placed());
        Decision mismatch = restarted.adopt(Request.builder("ns/x").gpus(2).gpuCoreMilli(700).gpuMemoryMiB(10_000).build(), back);
        assertTrue(mismatch.reason().contains("does not match"), mismatch.reason());
        assertTrue(restarted.adopt(r.withName("ns/b"), back).placed(), "600 milli left on each card: a second 400 fits");
        Decision full = restarted.adopt(r.withName("ns/c"), back);
        assertFalse(full.placed());
        assertTrue(full.reason().contains("compute"), full.reason());
        assertEquals(2 * 2 * 400, fresh.gpuMilliUsed());
        assertEquals(2 * 2 * 400, freshQuotas.used("team").gpuMilli());
    }
}

