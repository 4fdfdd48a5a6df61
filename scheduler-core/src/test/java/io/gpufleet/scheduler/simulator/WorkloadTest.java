package io.gpufleet.scheduler.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WorkloadTest {
    static TracePod pod(String name, int k, int milli) {
        return new TracePod(name, 1000, 100, k, milli, Set.of(), -1, -1);
    }

    static List<String> names(List<TracePod> pods) {
        return pods.stream().map(TracePod::name).toList();
    }

    @Test
    void sortsByNameThenShufflesBySeedIndependentlyOfFileOrder() {
        List<TracePod> trace = new ArrayList<>();
        for (int i = 0; i < 20; i++) trace.add(pod(String.format("p%02d", i), 1, 1000));
        List<TracePod> reversed = new ArrayList<>(trace);
        Collections.reverse(reversed);
        // Cluster big enough for the load to need neither padding nor trimming: 20 GPUs asked, 20 GPUs at 100%.
        List<TracePod> a = Workload.arrange(trace, 42, 100, 20_000);
        List<TracePod> b = Workload.arrange(reversed, 42, 100, 20_000);
        assertEquals(names(a), names(b));
        List<TracePod> expected = new ArrayList<>(trace);
        Collections.shuffle(expected, new Random(42));
        assertEquals(names(expected), names(a));
        assertNotEquals(names(a), names(Workload.arrange(trace, 43, 100, 20_000)));
    }

    @Test
    void padsWithTracePodsAppendedAfterTheShuffledTraceUntilTheTargetIsReached() {
        // 2 pods ask 1.5 GPUs; cluster 2 GPUs; 130% = 2600 milli: pads until the total is at least 2600.
        List<TracePod> trace = List.of(pod("a", 1, 1000), pod("b", 1, 500));
        List<TracePod> out = Workload.arrange(trace, 7, 130, 2000);
        assertEquals(Set.of("a", "b"), Set.copyOf(names(out.subList(0, 2))));
        long total = Workload.gpuMilli(out);
        assertTrue(total >= 2600, "total " + total);
        long beforeLast = total - out.get(out.size() - 1).gpuMilliTotal();
        assertTrue(beforeLast < 2600, "padding stops at the first pod reaching the target");
        for (int i = 2; i < out.size(); i++) {
            assertTrue(out.get(i).name().matches("[ab]-pad" + (i - 2)), out.get(i).name());
        }
        assertEquals(names(out), names(Workload.arrange(trace, 7, 130, 2000)));
    }

    @Test
    void trimsRandomPodsUntilAtOrBelowTheTarget() {
        // 4 whole GPUs asked on a 2-GPU cluster at 100%: exactly two pods are removed.
        List<TracePod> trace = List.of(pod("a", 1, 1000), pod("b", 1, 1000), pod("c", 1, 1000), pod("d", 1, 1000));
        List<TracePod> out = Workload.arrange(trace, 1, 100, 2000);
        assertEquals(2, out.size());
        assertEquals(2000, Workload.gpuMilli(out));
    }

    @Test
    void exactTargetNeedsNoChange() {
        List<TracePod> trace = List.of(pod("a", 2, 1000), pod("b", 0, 0));
        assertEquals(2, Workload.arrange(trace, 3, 100, 2000).size());
    }
}
