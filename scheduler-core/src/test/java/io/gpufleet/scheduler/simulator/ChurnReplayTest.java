package io.gpufleet.scheduler.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChurnReplayTest {
    static TracePod pod(String name, int milli, long created, long deleted) {
        return new TracePod(name, 1000, 1024, 1, milli, Set.of(), created, deleted);
    }

    @Test
    void departuresDueAtAnArrivalAreProcessedFirstAndFailuresAreFinal() {
        List<TraceNode> nodes = List.of(new TraceNode("n", 8000, 65536, 1, "T4"));
        List<TracePod> pods = List.of(
                pod("c", 1000, 10, 30),   // arrives when a leaves (at 10): fits
                pod("a", 1000, 0, 10),
                pod("b", 600, 5, 20),     // GPU busy with a: fails for good
                pod("d", 400, 40, 50));   // c left at 30: fits
        ChurnReplay.Result r = ChurnReplay.run("bestfit", Policies.load("bestfit"), nodes, pods, List.of(), -1);
        assertEquals(List.of(
                new ChurnReplay.Sample(0, 1, 100, 0, 0),
                new ChurnReplay.Sample(5, 1, 100, 0, 1),
                new ChurnReplay.Sample(10, 1, 100, 0, 1),
                new ChurnReplay.Sample(40, 1, 40, 0, 1)), r.samples());
        assertEquals(1, r.failed().get(TracePod.Kind.SHARING));
        // Time-weighted: 100% from 0 to 40.
        assertEquals(100, r.meanAllocPct(), 1e-9);
    }

    @Test
    void stretchedRunTimesKeepPodsLonger() {
        List<TraceNode> nodes = List.of(new TraceNode("n", 8000, 65536, 1, "T4"));
        // a runs 0..10, stretched 3x to 0..30: c (arriving at 10) and d (at 25) find the GPU taken.
        List<TracePod> pods = List.of(pod("a", 1000, 0, 10), pod("c", 1000, 10, 30), pod("d", 1000, 25, 26), pod("e", 1000, 31, 40));
        ChurnReplay.Result r = ChurnReplay.run("bestfit", Policies.load("bestfit"), nodes, pods, List.of(), -1, 3);
        assertEquals(2, r.failed().get(TracePod.Kind.WHOLE));
        assertEquals(new ChurnReplay.Sample(31, 1, 100, 0, 2), r.samples().get(3));
        assertEquals(1, ChurnReplay.run("bestfit", Policies.load("bestfit"), nodes, pods, List.of(), -1, 1).failedTotal());
    }

    @Test
    void needsCreationTimes() {
        List<TraceNode> nodes = List.of(new TraceNode("n", 8000, 65536, 1, "T4"));
        var e = assertThrows(IllegalArgumentException.class, () -> ChurnReplay.run("fgd", Policies.load("fgd"), nodes,
                List.of(pod("x", 1000, -1, -1)), List.of(), 1));
        assertEquals("replay: pod x has no creation_time (the pod list needs creation_time and deletion_time columns)", e.getMessage());
    }
}
