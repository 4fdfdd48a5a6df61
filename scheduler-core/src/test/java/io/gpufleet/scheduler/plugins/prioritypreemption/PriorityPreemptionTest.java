package io.gpufleet.scheduler.plugins.prioritypreemption;

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

class PriorityPreemptionTest {

    private static QuotaTree teams(long aMax, long bMax) {
        return new QuotaTree(List.of(
                new QuotaSpec("a", null, Resources.ofGpus(0, 0, 0), Resources.ofGpus(aMax, Long.MAX_VALUE / 4, Long.MAX_VALUE / 4)),
                new QuotaSpec("b", null, Resources.ofGpus(0, 0, 0), Resources.ofGpus(bMax, Long.MAX_VALUE / 4, Long.MAX_VALUE / 4))));
    }

    private static Request pod(String name, String team, int priority, int gpus) {
        return Request.builder(name).gpus(gpus).quotaGroup(team).priority(priority).build();
    }

    private static List<String> victims(Decision d) {
        return d.victims().stream().map(Allocation::pod).sorted().toList();
    }

    @Test
    void aHigherPriorityPodEvictsTheLowestPriorityPodsOfItsOwnGroup() {
        ClusterState s = Fixtures.state(Fixtures.pcie("n", 4));
        Scheduler sch = Schedulers.create(s, teams(4, 4), new TestClock());
        assertTrue(sch.schedule(pod("a-p3", "a", 3, 2)).placed());
        assertTrue(sch.schedule(pod("a-p1", "a", 1, 1)).placed());
        assertTrue(sch.schedule(pod("a-p2", "a", 2, 1)).placed());
        Decision d = sch.schedule(pod("a-hi", "a", 5, 1));
        assertEquals(Decision.Outcome.BOUND, d.outcome(), d.explain());
        assertEquals(List.of("a-p1"), victims(d), "the lowest priority, and only as much as needed");
        Decision two = sch.schedule(pod("a-hi2", "a", 5, 2));
        assertEquals(List.of("a-p3"), victims(two), "a-p2 alone is not enough; with a-p3 gone a-p2 is not needed");
    }

    @Test
    void equalPriorityAndOtherGroupsAreNeverVictims() {
        ClusterState s = Fixtures.state(Fixtures.pcie("n", 4));
        Scheduler sch = Schedulers.create(s, teams(4, 4), new TestClock());
        for (int i = 0; i < 2; i++) assertTrue(sch.schedule(pod("b" + i, "b", 0, 1)).placed());
        for (int i = 0; i < 2; i++) assertTrue(sch.schedule(pod("a" + i, "a", 5, 1)).placed());
        Decision d = sch.schedule(pod("a-hi", "a", 5, 1));
        assertFalse(d.placed(), d.explain());
        assertTrue(d.victims().isEmpty(), "a's pods have the same priority and b's belong to another team");
        assertEquals(4, s.placedCount());
    }

    @Test
    void aGroupAtItsMaxMakesRoomInsideItsQuota() {
        ClusterState s = Fixtures.state(Fixtures.pcie("n", 4), Fixtures.pcie("m", 4));
        Scheduler sch = Schedulers.create(s, teams(2, 8), new TestClock());
        assertTrue(sch.schedule(pod("a-lo-0", "a", 0, 1)).placed());
        assertTrue(sch.schedule(pod("a-lo-1", "a", 0, 1)).placed());
        Decision equal = sch.schedule(pod("a-eq", "a", 0, 1));
        assertFalse(equal.placed());
        assertTrue(equal.reason().contains("would exceed max"), equal.reason());
        Decision d = sch.schedule(pod("a-hi", "a", 9, 1));
        assertEquals(Decision.Outcome.BOUND, d.outcome(), d.explain());
        assertEquals(1, d.victims().size(), "the cluster has room; one of a's own pods frees the quota");
        assertEquals(2000, sch.quotas().used("a").gpuMilli());
    }

    @Test
    void podsWithoutAGroupPreemptLowerPriorityPodsWithoutAGroup() {
        ClusterState s = Fixtures.state(Fixtures.pcie("n", 2));
        Scheduler sch = Schedulers.create(s, QuotaTree.empty(), new TestClock());
        assertTrue(sch.schedule(Request.builder("lo").gpus(1).priority(1).build()).placed());
        assertTrue(sch.schedule(Request.builder("mid").gpus(1).priority(3).build()).placed());
        Decision d = sch.schedule(Request.builder("hi").gpus(1).priority(2).build());
        assertEquals(List.of("lo"), victims(d));
        assertNull(s.placement("lo"));
    }

    @Test
    void gangMembersDoNotPreemptByPriority() {
        ClusterState s = Fixtures.state(Fixtures.pcie("n", 2));
        Scheduler sch = Schedulers.create(s, QuotaTree.empty(), new TestClock());
        assertTrue(sch.schedule(Request.builder("lo").gpus(2).priority(0).build()).placed());
        sch.submitGang(new PodGroup("g", 1, 30), List.of(Request.builder("g-0").gpus(1).priority(9).podGroup("g").build()));
        List<Decision> ds = sch.runQueue();
        assertFalse(ds.get(0).placed());
        assertTrue(ds.get(0).victims().isEmpty());
        assertTrue(s.placement("lo") != null);
    }
}
