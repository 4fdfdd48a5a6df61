package io.gpufleet.scheduler.simulator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.scheduler.plugins.fgd.TypicalPod;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SimulationRunTest {
    static TracePod pod(String name, long cpu, int k, int milli) {
        return new TracePod(name, cpu, 1024, k, milli, Set.of(), -1, -1);
    }

    @Test
    void recordsArriveAllocAndFragmentationAfterEveryPodAndFailuresByKind() {
        List<TraceNode> nodes = List.of(new TraceNode("n0", 64_000, 262_144, 2, "P100"));
        List<TracePod> arranged = List.of(
                pod("p1", 1000, 1, 500),   // sharing: GPU a 500 free
                pod("p2", 1000, 1, 1000),  // whole: the other GPU
                pod("p3", 1000, 1, 1000),  // whole: no free GPU left, fails
                pod("p4", 1000, 0, 0),     // CPU-only: fits
                pod("p5", 1000, 1, 600));  // sharing 600: only 500 left, fails
        // Fragmentation against one typical pod, a whole GPU: after p1 the half-used GPU's 500 is a fragment
        // (500 / 1500 idle); after p2 no whole GPU is left, so every idle milli is.
        List<TypicalPod> typical = List.of(new TypicalPod(1000, 1000, 1, Set.of(), 1.0));
        RunResult r = SimulationRun.run("bestfit", Policies.forRun("bestfit", 42, arranged), nodes, arranged, typical, 42);
        assertArrayEquals(new double[] {25, 75, 125, 125, 155}, r.arrive(), 1e-9);
        assertArrayEquals(new double[] {25, 75, 75, 75, 75}, r.alloc(), 1e-9);
        assertArrayEquals(new double[] {100.0 / 3, 100, 100, 100, 100}, r.frag(), 1e-9);
        assertEquals(1, r.failed().get(TracePod.Kind.WHOLE));
        assertEquals(1, r.failed().get(TracePod.Kind.SHARING));
        assertEquals(0, r.failed().get(TracePod.Kind.CPU_ONLY));
        assertEquals(2, r.failedTotal());

        double[] at = r.byArrivePct(r.alloc(), 130);
        assertEquals(25, at[25], 1e-9);
        assertEquals(75, at[75], 1e-9);
        assertEquals(75, at[125], 1e-9);   // mean of the two pods whose arrive ratio rounds to 125
        assertTrue(Double.isNaN(at[100]));  // no pod arrived at 100%
    }

    @Test
    void valueAtAnArrivalPointIsTheMeanOverPodsRoundingToIt() {
        RunResult r = new RunResult("x", 1, new double[] {99.4, 99.6, 100.4, 100.6}, new double[] {10, 20, 30, 40},
                new double[4], java.util.Map.of(), 4, 0);
        double[] at = r.byArrivePct(r.alloc(), 101);
        assertEquals(10, at[99], 1e-9);
        assertEquals(25, at[100], 1e-9);
        assertEquals(40, at[101], 1e-9);
    }

    @Test
    void sameSeedSameCurveAndTheNodeOrderIsThePermutationOfTheSeed() {
        List<TraceNode> nodes = List.of(new TraceNode("a", 8000, 8192, 1, "T4"), new TraceNode("b", 8000, 8192, 1, "T4"),
                new TraceNode("c", 8000, 8192, 1, "T4"), new TraceNode("d", 8000, 8192, 1, "T4"));
        List<String> order1 = TraceCluster.build(nodes, 5).nodes().stream().map(n -> n.name()).toList();
        List<String> order2 = TraceCluster.build(nodes, 5).nodes().stream().map(n -> n.name()).toList();
        assertEquals(order1, order2);
        assertEquals(List.of("a", "b", "c", "d"), TraceCluster.build(nodes, -1).nodes().stream().map(n -> n.name()).toList());
        List<TracePod> pods = List.of(pod("x", 1000, 1, 300), pod("y", 1000, 1, 300), pod("z", 1000, 1, 1000));
        RunResult r1 = SimulationRun.run("fgd", Policies.forRun("fgd", 5, pods), nodes, pods, List.of(), 5);
        RunResult r2 = SimulationRun.run("fgd", Policies.forRun("fgd", 5, pods), nodes, pods, List.of(), 5);
        assertArrayEquals(r1.alloc(), r2.alloc());
    }
}
