package io.gpufleet.scheduler.plugins.gang;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.scheduler.Fixtures;
import io.gpufleet.scheduler.Schedulers;
import io.gpufleet.scheduler.TestClock;
import io.gpufleet.scheduler.framework.Decision;
import io.gpufleet.scheduler.framework.Scheduler;
import io.gpufleet.scheduler.model.Allocation;
import io.gpufleet.scheduler.model.PodGroup;
import io.gpufleet.scheduler.model.Request;
import io.gpufleet.scheduler.quota.QuotaTree;
import io.gpufleet.scheduler.state.ClusterState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GangSchedulingTest {
    private final TestClock clock = new TestClock();

    private Scheduler scheduler(ClusterState s) {
        return Schedulers.create(s, QuotaTree.empty(), clock);
    }

    private static List<Request> members(String gang, int n, int gpus) {
        List<Request> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(Request.builder(gang + "-" + i).gpus(gpus).podGroup(gang).build());
        return out;
    }

    @Test
    void gangThatFitsIsBoundTogether() {
        ClusterState s = Fixtures.state(Fixtures.pcie("a", 4), Fixtures.pcie("b", 4));
        Scheduler sch = scheduler(s);
        sch.submitGang(new PodGroup("g", 3, 30), members("g", 3, 2));
        List<Decision> ds = sch.runQueue();
        assertEquals(3, ds.size());
        assertEquals(Decision.Outcome.WAITING, ds.get(0).outcome());
        assertEquals(Decision.Outcome.WAITING, ds.get(1).outcome());
        assertEquals(Decision.Outcome.BOUND, ds.get(2).outcome());
        assertEquals(2, ds.get(2).alsoBound().size());
        for (Request r : members("g", 3, 2)) assertTrue(s.placement(r.name()).bound());
        assertTrue(sch.waitingPodNames().isEmpty());
    }

    @Test
    void gangThatCannotFitLeavesNothingBehind() {
        ClusterState s = Fixtures.state(Fixtures.pcie("a", 4));
        Scheduler sch = scheduler(s);
        sch.submitGang(new PodGroup("g", 3, 30), members("g", 3, 2));
        List<Decision> ds = sch.runQueue();
        Decision last = ds.get(ds.size() - 1);
        assertFalse(last.placed());
        assertEquals(2, last.released().size(), "both reserved members were released");
        assertEquals(0, s.placedCount());
        assertEquals(0, s.gpuMilliUsed());
        assertTrue(sch.waitingPodNames().isEmpty());
        assertEquals(1, sch.queued(), "the gang goes back to the queue whole");
    }

    @Test
    void waitingMembersTimeOutAndRelease() {
        ClusterState s = Fixtures.state(Fixtures.pcie("a", 4));
        Scheduler sch = scheduler(s);
        sch.defineGang(new PodGroup("g", 2, 60));
        sch.gangs().addMember("g", "g-1"); // the second member exists but has not arrived at the scheduler
        Decision d = sch.schedule(Request.builder("g-0").gpus(1).podGroup("g").build());
        assertEquals(Decision.Outcome.WAITING, d.outcome());
        assertEquals(1000, s.gpuMilliUsed());
        clock.advance(Duration.ofSeconds(59));
        assertTrue(sch.expireWaiting().isEmpty());
        clock.advance(Duration.ofSeconds(2));
        assertEquals(0, sch.permitTimeouts());
        List<Decision> expired = sch.expireWaiting();
        assertEquals(1, expired.size());
        assertEquals(1, sch.permitTimeouts());
        assertEquals(0, s.placedCount());
        assertNull(s.placement("g-0"));
    }

    @Test
    void twoGangsCompetingForTheSameGpusDoNotDeadlock() {
        ClusterState s = Fixtures.state(Fixtures.pcie("a", 4));
        Scheduler sch = scheduler(s);
        sch.defineGang(new PodGroup("A", 3, 600));
        sch.defineGang(new PodGroup("B", 3, 600));
        List<Request> a = members("A", 3, 1), b = members("B", 3, 1);
        for (Request r : a) sch.gangs().addMember("A", r.name());
        for (Request r : b) sch.gangs().addMember("B", r.name());
        // Interleaved arrivals: each gang grabs two of the four GPUs, then A's third member finds no room.
        assertEquals(Decision.Outcome.WAITING, sch.schedule(a.get(0)).outcome());
        assertEquals(Decision.Outcome.WAITING, sch.schedule(b.get(0)).outcome());
        assertEquals(Decision.Outcome.WAITING, sch.schedule(a.get(1)).outcome());
        assertEquals(Decision.Outcome.WAITING, sch.schedule(b.get(1)).outcome());
        Decision a3 = sch.schedule(a.get(2));
        assertFalse(a3.placed());
        assertEquals(List.of("A-0", "A-1"), a3.released().stream().map(Allocation::pod).sorted().toList(),
                "A cannot complete, so it gives its reservations back");
        Decision b3 = sch.schedule(b.get(2));
        assertEquals(Decision.Outcome.BOUND, b3.outcome(), b3.explain());
        assertEquals(3, s.placedCount());
        assertTrue(sch.waitingPodNames().isEmpty());
    }

    @Test
    void minMemberAboveGangSizeIsRejectedAndNothingQueued() {
        Scheduler sch = scheduler(Fixtures.state(Fixtures.pcie("a", 4)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> sch.submitGang(new PodGroup("g", 5, 30), members("g", 3, 1)));
        assertTrue(e.getMessage().contains("minMember 5"), e.getMessage());
        assertEquals(0, sch.queued());
        Decision d = sch.schedule(Request.builder("x").gpus(1).podGroup("undefined").build());
        assertFalse(d.placed());
        assertTrue(d.reason().contains("not defined"), d.reason());
    }

    @Test
    void starvingGangBlocksSmallGpuWorkUntilItFits() {
        ClusterState s = Fixtures.state(Fixtures.pcie("a", 4, "ra"), Fixtures.pcie("b", 4, "rb"));
        Scheduler sch = scheduler(s);
        // One small pod on each node: the gang (two members of 4 GPUs) cannot fit.
        sch.submit(Request.builder("s0").gpus(1).nodeSelector(java.util.Map.of("gpufleet.io/rack", "ra")).build());
        sch.submit(Request.builder("s1").gpus(1).nodeSelector(java.util.Map.of("gpufleet.io/rack", "rb")).build());
        sch.runQueue();
        assertEquals(2, s.placedCount());
        sch.submitGang(new PodGroup("G", 2, 30), members("G", 2, 4));
        sch.runQueue();
        assertNull(sch.blockingGang(), "not starving yet");
        sch.submit(Request.builder("early").gpus(1).build());
        clock.advance(Duration.ofSeconds(5));
        sch.runQueue();
        assertTrue(s.placement("early") != null, "before the threshold small pods still start");

        clock.advance(Duration.ofSeconds(300));
        sch.submit(Request.builder("late").gpus(1).build());
        sch.submit(Request.builder("cpu").cpuMilli(500).build());
        sch.runQueue();
        assertEquals("G", sch.blockingGang());
        assertNull(s.placement("late"), "GPU work waits behind the starving gang");
        assertTrue(s.placement("cpu") != null, "CPU-only work is not held");

        sch.delete("s0");
        sch.delete("s1");
        sch.delete("early");
        clock.advance(Duration.ofSeconds(60));
        sch.runQueue();
        assertTrue(s.placement("G-0").bound() && s.placement("G-1").bound());
        assertNull(sch.blockingGang());
        assertNull(s.placement("late"), "no room left for it");
    }

    @Test
    void aStarvingGangReservesNodesWhileOtherWorkBackfillsTheRest() {
        ClusterState s = Fixtures.state(Fixtures.pcie("a", 4, "ra"), Fixtures.pcie("b", 4, "rb"), Fixtures.pcie("c", 4, "rc"));
        Scheduler sch = scheduler(s);
        // a and b hold one small pod each, c is full: the gang (two members of 4 GPUs) cannot fit.
        sch.submit(Request.builder("s0").gpus(1).nodeSelector(java.util.Map.of("gpufleet.io/rack", "ra")).build());
        sch.submit(Request.builder("s1").gpus(1).nodeSelector(java.util.Map.of("gpufleet.io/rack", "rb")).build());
        for (int i = 0; i < 4; i++) sch.submit(Request.builder("c" + i).gpus(1).nodeSelector(java.util.Map.of("gpufleet.io/rack", "rc")).build());
        sch.runQueue();
        assertEquals(6, s.placedCount());
        sch.submitGang(new PodGroup("G", 2, 30), members("G", 2, 4));
        sch.runQueue();
        clock.advance(Duration.ofSeconds(301));
        sch.runQueue();
        assertEquals("G", sch.blockingGang());
        assertEquals(List.of("a", "b"), sch.reservedNodeNames(), "the nodes with the most free GPU, enough for both members");
        assertEquals(301, sch.longestGangWait().toSeconds());
        assertEquals(java.util.Map.of("", 2), sch.queuedByQuotaGroup(), "the gang's two members, without a quota group");

        sch.delete("c0");
        sch.submit(Request.builder("late").gpus(1).build());
        clock.advance(Duration.ofSeconds(1));
        sch.runQueue();
        assertEquals("c", s.placement("late").allocation().node(), "GPU work goes on outside the reservation");
        Decision onReserved = sch.schedule(Request.builder("late2").gpus(1).build());
        assertFalse(onReserved.placed());
        assertTrue(onReserved.explain().contains("reserved for a starving gang"), onReserved.explain());
        Request probe = Request.builder("probe").gpus(1).build();
        assertEquals("gang", sch.tryNode(new io.gpufleet.scheduler.framework.CycleState(probe), probe, s.node("a")).plugin(),
                "preemption's node test refuses reserved nodes too");
        Request member = Request.builder("G-probe").gpus(1).podGroup("G").build();
        assertNull(sch.tryNode(new io.gpufleet.scheduler.framework.CycleState(member), member, s.node("a")),
                "the gang's own pods may use its reserved nodes");

        sch.delete("s0");
        sch.delete("s1");
        clock.advance(Duration.ofSeconds(60));
        sch.runQueue();
        assertEquals("a", s.placement("G-0").allocation().node().equals("a") ? "a" : s.placement("G-1").allocation().node());
        assertTrue(s.placement("G-0").bound() && s.placement("G-1").bound());
        assertNull(sch.blockingGang());
        assertTrue(sch.reservedNodeNames().isEmpty());
    }

    /**
     * A stream of small jobs that keeps the cluster busy would starve a large gang forever (every freed GPU is taken
     * at once); with the reservation its wait is bounded by the threshold plus the longest small job plus one
     * back-off interval.
     */
    @Test
    void aLargeGangIsNeverStarvedByAStreamOfSmallJobs() {
        for (long seed = 1; seed <= 40; seed++) {
            java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
            TestClock c = new TestClock();
            ClusterState s = new ClusterState();
            int nodes = 2 + rnd.nextInt(4);
            for (int i = 0; i < nodes; i++) s.addNode(Fixtures.pcie("n" + i, 8));
            Scheduler sch = Schedulers.create(s, QuotaTree.empty(), c);
            java.util.Map<String, java.time.Instant> ends = new java.util.HashMap<>();
            int next = 0;
            long maxRun = 120;
            java.time.Instant start = c.instant();
            int gangSize = 1 + rnd.nextInt(nodes);
            boolean gangSubmitted = false;
            java.time.Instant placedAt = null;
            for (int step = 0; step < 400 && placedAt == null; step++) {
                java.time.Instant now = c.instant();
                for (var e : new ArrayList<>(ends.entrySet())) {
                    if (!e.getValue().isAfter(now)) {
                        sch.delete(e.getKey());
                        ends.remove(e.getKey());
                    }
                }
                // Keep more small work queued than the cluster can run.
                while (sch.queued() < 3 * nodes) sch.submit(Request.builder("s" + next++).gpus(1 + rnd.nextInt(2)).build());
                if (step == 10) {
                    sch.submitGang(new PodGroup("big", gangSize, 30), members("big", gangSize, 8));
                    gangSubmitted = true;
                    start = now;
                }
                for (Decision d : sch.runQueue()) {
                    if (d.placed() && d.pod().startsWith("s")) ends.put(d.pod(), now.plusSeconds(10 + rnd.nextLong(maxRun - 10)));
                }
                if (gangSubmitted && s.placement("big-0") != null && s.placement("big-0").bound()) placedAt = now;
                c.advance(Duration.ofSeconds(5));
            }
            assertTrue(placedAt != null, "seed " + seed + ": the gang of " + gangSize + " was starved");
            long waited = Duration.between(start, placedAt).toSeconds();
            assertTrue(waited <= 300 + maxRun + 60 + 10, "seed " + seed + ": waited " + waited + " s");
            for (int m = 0; m < gangSize; m++) assertTrue(s.placement("big-" + m).bound(), "seed " + seed + ": whole gang");
        }
    }

    @Test
    void aGangTooLargeForTheClusterReservesNothing() {
        ClusterState s = Fixtures.state(Fixtures.pcie("a", 4));
        Scheduler sch = scheduler(s);
        sch.submitGang(new PodGroup("G", 2, 30), members("G", 2, 4));
        sch.runQueue();
        clock.advance(Duration.ofSeconds(400));
        sch.runQueue();
        assertNull(sch.blockingGang());
        assertTrue(sch.schedule(Request.builder("small").gpus(1).build()).placed());
    }

    @Test
    void deletingTheStarvingGangUnblocksTheQueue() {
        ClusterState s = Fixtures.state(Fixtures.pcie("a", 4));
        Scheduler sch = scheduler(s);
        sch.submit(Request.builder("s0").gpus(1).build());
        sch.runQueue();
        sch.submitGang(new PodGroup("G", 1, 30), members("G", 1, 4));
        sch.runQueue();
        clock.advance(Duration.ofSeconds(400));
        sch.runQueue();
        assertEquals("G", sch.blockingGang());
        sch.submit(Request.builder("small").gpus(1).build());
        clock.advance(Duration.ofSeconds(1));
        sch.runQueue();
        assertNull(s.placement("small"), "held behind G");
        sch.delete("G-0");
        sch.runQueue();
        assertNull(sch.blockingGang());
        assertTrue(s.placement("small") != null, "G is gone, so the queue moves again");
    }

    @Test
    void gangMembersStayTogetherOnFewNodesAndOneRack() {
        ClusterState s = Fixtures.state(Fixtures.pcie("a1", 4, "ra"), Fixtures.pcie("b1", 4, "rb"), Fixtures.pcie("a2", 4, "ra"),
                Fixtures.pcie("b2", 4, "rb"));
        Scheduler sch = scheduler(s);
        sch.submitGang(new PodGroup("g", 4, 30), members("g", 4, 2));
        sch.runQueue();
        java.util.Set<String> nodes = new java.util.HashSet<>();
        java.util.Set<String> racks = new java.util.HashSet<>();
        for (int i = 0; i < 4; i++) {
            String node = s.placement("g-" + i).allocation().node();
            nodes.add(node);
            racks.add(s.node(node).node().rack());
        }
        assertEquals(2, nodes.size(), "4 members of 2 GPUs fill two 4-GPU nodes: " + nodes);
        assertEquals(1, racks.size(), "and both nodes are in one rack: " + nodes);
    }
}
