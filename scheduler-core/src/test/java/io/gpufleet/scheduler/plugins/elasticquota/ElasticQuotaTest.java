package io.gpufleet.scheduler.plugins.elasticquota;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.scheduler.Fixtures;
import io.gpufleet.scheduler.Schedulers;
import io.gpufleet.scheduler.TestClock;
import io.gpufleet.scheduler.framework.Decision;
import io.gpufleet.scheduler.framework.Scheduler;
import io.gpufleet.scheduler.model.Allocation;
import io.gpufleet.scheduler.model.PodGroup;
import io.gpufleet.scheduler.model.Request;
import io.gpufleet.scheduler.quota.QuotaSpec;
import io.gpufleet.scheduler.quota.QuotaTree;
import io.gpufleet.scheduler.quota.Resources;
import io.gpufleet.scheduler.state.ClusterState;
import java.util.List;
import org.junit.jupiter.api.Test;

class ElasticQuotaTest {

    private static Resources gpus(long n) {
        return Resources.ofGpus(n, Long.MAX_VALUE / 4, Long.MAX_VALUE / 4);
    }

    private static Resources minGpus(long n) {
        return Resources.ofGpus(n, 0, 0);
    }

    /** One node of 4 GPUs; teams a and b each guaranteed 2 and allowed 4. */
    private static Scheduler setup(ClusterState s) {
        QuotaTree t = new QuotaTree(List.of(new QuotaSpec("a", null, minGpus(2), gpus(4)), new QuotaSpec("b", null, minGpus(2), gpus(4))));
        return Schedulers.create(s, t, new TestClock());
    }

    private static Request pod(String name, String team, int priority) {
        return Request.builder(name).gpus(1).quotaGroup(team).priority(priority).build();
    }

    @Test
    void maxIsEnforcedWithTheQuotaNamed() {
        ClusterState s = Fixtures.state(Fixtures.pcie("n", 8));
        Scheduler sch = setup(s);
        for (int i = 0; i < 4; i++) assertTrue(sch.schedule(pod("a" + i, "a", 0)).placed());
        Decision d = sch.schedule(pod("a4", "a", 0));
        assertFalse(d.placed());
        assertTrue(d.reason().contains("quota a would exceed max.gpuMilli"), d.reason());
        assertEquals(4, s.placedCount());
        Decision unknown = sch.schedule(pod("z", "nope", 0));
        assertTrue(unknown.reason().contains("nope is not defined"), unknown.reason());
    }

    @Test
    void borrowingThenReclaimEvictsLowestPriorityBorrowerPods() {
        ClusterState s = Fixtures.state(Fixtures.pcie("n", 4));
        Scheduler sch = setup(s);
        // a borrows the whole node (min 2, max 4).
        assertTrue(sch.schedule(pod("a-hi-1", "a", 5)).placed());
        assertTrue(sch.schedule(pod("a-hi-2", "a", 5)).placed());
        assertTrue(sch.schedule(pod("a-lo-1", "a", 1)).placed());
        assertTrue(sch.schedule(pod("a-lo-2", "a", 2)).placed());
        // b asks within its guarantee: reclaim, lowest priority first.
        Decision b1 = sch.schedule(pod("b1", "b", 0));
        assertEquals(Decision.Outcome.BOUND, b1.outcome(), b1.explain());
        assertEquals(List.of("a-lo-1"), b1.victims().stream().map(Allocation::pod).toList());
        Decision b2 = sch.schedule(pod("b2", "b", 0));
        assertEquals(List.of("a-lo-2"), b2.victims().stream().map(Allocation::pod).toList());
        // b is at its min now; a is at its min: no more reclaim either way.
        Decision b3 = sch.schedule(pod("b3", "b", 0)); // same priority as b's pods: no preemption inside b either
        assertFalse(b3.placed());
        assertTrue(b3.victims().isEmpty());
        assertEquals(Resources.ofGpus(2, s.node("n").cardMemory(0) * 2, 0), sch.quotas().used("a"));
    }

    @Test
    void aGangIsPreemptedWhole() {
        ClusterState s = Fixtures.state(Fixtures.pcie("n", 2), Fixtures.pcie("m", 2));
        QuotaTree t = new QuotaTree(List.of(new QuotaSpec("a", null, minGpus(0), gpus(4)), new QuotaSpec("b", null, minGpus(2), gpus(4))));
        Scheduler sch = Schedulers.create(s, t, new TestClock());
        sch.submitGang(new PodGroup("g", 2, 60), List.of(
                Request.builder("g-0").gpus(2).quotaGroup("a").podGroup("g").build(),
                Request.builder("g-1").gpus(2).quotaGroup("a").podGroup("g").build()));
        sch.runQueue();
        assertEquals(2, s.placedCount());
        Decision d = sch.schedule(pod("b1", "b", 0));
        assertEquals(Decision.Outcome.BOUND, d.outcome(), d.explain());
        assertEquals(List.of("g-0", "g-1"), d.victims().stream().map(Allocation::pod).sorted().toList(),
                "one GPU needed, but the gang goes whole");
        assertNull(s.placement("g-0"));
        assertEquals(Resources.ZERO, t.used("a"));
    }

    @Test
    void queueOrdersByDominantShare() {
        ClusterState s = Fixtures.state(Fixtures.pcie("n", 8));
        Scheduler sch = setup(s);
        assertTrue(sch.schedule(pod("a0", "a", 0)).placed());
        assertTrue(sch.schedule(pod("a1", "a", 0)).placed());
        sch.submit(pod("a2", "a", 9));
        sch.submit(pod("b0", "b", 0));
        sch.submit(pod("b1", "b", 0));
        sch.submit(pod("b2", "b", 0));
        List<String> order = sch.runQueue().stream().map(Decision::pod).toList();
        // b starts at share 0 and catches up with a (2 of 8 GPUs) before a's high-priority pod goes.
        assertEquals(List.of("b0", "b1", "a2", "b2"), order);
    }

    @Test
    void gangMemberFailingTheExactQuotaCheckReleasesItsWaitingSiblings() {
        ClusterState s = Fixtures.state(Fixtures.pcie("n", 4));
        // GPU memory max of 1.5 cards: the estimate (whole cards count 0 memory) passes PreFilter, Reserve refuses
        // the second member.
        QuotaTree t = new QuotaTree(List.of(new QuotaSpec("a", null, Resources.ZERO,
                new Resources(4000, s.node("n").cardMemory(0) * 3 / 2, Long.MAX_VALUE))));
        Scheduler sch = Schedulers.create(s, t, new TestClock());
        sch.submitGang(new PodGroup("g", 2, 60), List.of(
                Request.builder("g-0").gpus(1).quotaGroup("a").podGroup("g").build(),
                Request.builder("g-1").gpus(1).quotaGroup("a").podGroup("g").build()));
        List<Decision> ds = sch.runQueue();
        assertEquals(Decision.Outcome.WAITING, ds.get(0).outcome());
        Decision second = ds.get(1);
        assertFalse(second.placed());
        assertTrue(second.reason().contains("max.gpuMemoryMiB"), second.reason());
        assertEquals(List.of("g-0"), second.released().stream().map(Allocation::pod).toList());
        assertEquals(0, s.placedCount());
        assertEquals(Resources.ZERO, t.used("a"));
        assertTrue(sch.waitingPodNames().isEmpty());
    }

    @Test
    void reclaimNeverEvictsForAPodThatCannotRunAsAsked() {
        ClusterState s = Fixtures.state(Fixtures.pcie("n", 4));
        Scheduler sch = setup(s);
        for (int i = 0; i < 4; i++) assertTrue(sch.schedule(pod("a" + i, "a", 0)).placed());
        Decision wrongModel = sch.schedule(Request.builder("b1").gpus(1).quotaGroup("b").allowedModels(java.util.Set.of("B200")).build());
        assertFalse(wrongModel.placed());
        assertTrue(wrongModel.victims().isEmpty());
        Decision selector = sch.schedule(Request.builder("b2").gpus(1).quotaGroup("b").nodeSelector(java.util.Map.of("pool", "x")).build());
        assertFalse(selector.placed());
        assertTrue(selector.victims().isEmpty());
        assertEquals(4, s.placedCount());
    }

    /** Two nodes of 4 GPUs that team a borrowed entirely (min 0); team b is guaranteed 8 GPUs. */
    private static Scheduler borrowedCluster(ClusterState s, long bMin) {
        QuotaTree t = new QuotaTree(List.of(new QuotaSpec("a", null, minGpus(0), gpus(8)), new QuotaSpec("b", null, minGpus(bMin), gpus(8))));
        Scheduler sch = Schedulers.create(s, t, new TestClock());
        for (int i = 0; i < 8; i++) assertTrue(sch.schedule(pod("a" + i, "a", i % 3)).placed());
        return sch;
    }

    private static List<Request> gang(String name, int members, int gpus, String team) {
        List<Request> out = new java.util.ArrayList<>();
        for (int m = 0; m < members; m++) out.add(Request.builder(name + "-" + m).gpus(gpus).quotaGroup(team).podGroup(name).build());
        return out;
    }

    @Test
    void aGangBelowItsMinReclaimsRoomForEveryMember() {
        ClusterState s = Fixtures.state(Fixtures.pcie("n", 4), Fixtures.pcie("m", 4));
        Scheduler sch = borrowedCluster(s, 8);
        sch.submitGang(new PodGroup("g", 2, 60), gang("g", 2, 4, "b"));
        List<Decision> ds = sch.runQueue();
        assertEquals(2, ds.size(), ds.toString());
        assertEquals(Decision.Outcome.WAITING, ds.get(0).outcome(), ds.get(0).explain());
        assertEquals(8, ds.get(0).victims().size(), "the first member's reclaim evicts room for the whole gang");
        assertEquals(Decision.Outcome.BOUND, ds.get(1).outcome(), ds.get(1).explain());
        assertTrue(ds.get(1).victims().isEmpty(), "the second member finds the room already made");
        assertTrue(s.placement("g-0").bound() && s.placement("g-1").bound());
        assertEquals(Resources.ZERO, sch.quotas().used("a"));
        assertEquals(8000, sch.quotas().used("b").gpuMilli());
    }

    @Test
    void aGangBeyondItsMinReclaimsNothing() {
        ClusterState s = Fixtures.state(Fixtures.pcie("n", 4), Fixtures.pcie("m", 4));
        Scheduler sch = borrowedCluster(s, 6);
        sch.submitGang(new PodGroup("g", 2, 60), gang("g", 2, 4, "b"));
        List<Decision> ds = sch.runQueue();
        assertFalse(ds.get(0).placed());
        assertTrue(ds.get(0).victims().isEmpty(), "8 GPUs asked, 6 guaranteed: borrowing waits, it does not evict");
        assertEquals(8, s.placedCount());
        assertTrue(sch.waitingPodNames().isEmpty());
    }

    @Test
    void aGangWhoseLastMemberCannotBePlacedEvictsNobody() {
        ClusterState s = Fixtures.state(Fixtures.pcie("n", 4, "ra"), Fixtures.pcie("m", 4, "rb"));
        QuotaTree t = new QuotaTree(List.of(new QuotaSpec("a", null, minGpus(0), gpus(8)), new QuotaSpec("b", null, minGpus(8), gpus(8))));
        Scheduler sch = Schedulers.create(s, t, new TestClock());
        // Node n is borrowed by a (evictable); node m runs pods outside any quota group (never evicted).
        for (int i = 0; i < 4; i++) assertTrue(sch.schedule(Request.builder("a" + i).gpus(1).quotaGroup("a").nodeSelector(java.util.Map.of("gpufleet.io/rack", "ra")).build()).placed(),
                "a" + i);
        for (int i = 0; i < 4; i++) assertTrue(sch.schedule(Request.builder("free" + i).gpus(1).build()).placed());
        sch.submitGang(new PodGroup("g", 2, 60), gang("g", 2, 4, "b"));
        List<Decision> ds = sch.runQueue();
        assertFalse(ds.get(0).placed(), ds.get(0).explain());
        assertTrue(ds.get(0).victims().isEmpty(), "room for one member only: evicting would be for nothing");
        assertEquals(8, s.placedCount());
        assertEquals(4000, t.used("a").gpuMilli());
        assertTrue(sch.waitingPodNames().isEmpty());
    }

    @Test
    void aGangMemberJoiningWaitingSiblingsReclaimsOnlyForWhatIsMissing() {
        ClusterState s = Fixtures.state(Fixtures.pcie("n", 4), Fixtures.pcie("m", 4));
        QuotaTree t = new QuotaTree(List.of(new QuotaSpec("a", null, minGpus(0), gpus(8)), new QuotaSpec("b", null, minGpus(8), gpus(8))));
        Scheduler sch = Schedulers.create(s, t, new TestClock());
        sch.defineGang(new PodGroup("g", 2, 60));
        List<Request> g = gang("g", 2, 4, "b");
        g.forEach(m -> sch.gangs().addMember("g", m)); // both pods exist; the scheduler sees them one at a time
        Decision first = sch.schedule(g.get(0));
        assertEquals(Decision.Outcome.WAITING, first.outcome(), "an empty cluster: the first member waits for its sibling");
        for (int i = 0; i < 4; i++) assertTrue(sch.schedule(pod("a" + i, "a", 0)).placed());
        Decision second = sch.schedule(g.get(1));
        assertEquals(Decision.Outcome.BOUND, second.outcome(), second.explain());
        assertEquals(4, second.victims().size());
        assertTrue(s.placement("g-0").bound());
    }
}
