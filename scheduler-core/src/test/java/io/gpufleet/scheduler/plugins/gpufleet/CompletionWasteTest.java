package io.gpufleet.scheduler.plugins.gpufleet;

import static io.gpufleet.scheduler.plugins.gpufleet.GpufleetScoreTest.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.scheduler.Schedulers;
import io.gpufleet.scheduler.framework.Decision;
import io.gpufleet.scheduler.framework.Scheduler;
import io.gpufleet.scheduler.model.Request;
import io.gpufleet.scheduler.quota.QuotaTree;
import io.gpufleet.scheduler.simulator.TraceCluster;
import io.gpufleet.scheduler.simulator.TraceNode;
import io.gpufleet.scheduler.state.ClusterState;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CompletionWasteTest {
    @Test
    void wasteIsTheLeastRemainderFrequentSizesCanLeave() {
        CompletionWaste w = new CompletionWaste(0.2);
        assertEquals(530, w.of(530), "nothing published: a card wastes what it has left");
        assertEquals(0, w.of(1000), "a fully free card wastes nothing");
        for (int i = 0; i < 5; i++) w.add(pod("a" + i, 1000, 0, 1, 470));
        for (int i = 0; i < 3; i++) w.add(pod("b" + i, 1000, 0, 1, 320));
        w.add(pod("rare", 1000, 0, 1, 160));              // 1 of 9 sharing pods: below the 0.2 share
        w.add(pod("whole", 1000, 0, 1, 1000));            // whole-GPU and multi-GPU pods do not count
        w.add(pod("multi", 1000, 0, 2, 1000));
        w.add(pod("cpu", 1000, 0, 0, 0));
        assertEquals(530, w.of(530), "counted, not yet published");
        w.publish();
        // Sums of 470 and 320 up to 1000: 0, 320, 470, 640, 790, 940, 960.
        assertEquals(60, w.of(530));    // one 470
        assertEquals(210, w.of(210));   // nothing frequent fits: only the rare 160 would
        assertEquals(40, w.of(680));    // two 320s
        assertEquals(39, w.of(999));    // three 320s
        assertEquals(0, w.of(960));
        assertEquals(0, w.of(1000));
        assertEquals(0, w.of(-5), "clamped");
    }

    @Test
    void wasteNeverExceedsWhatIsLeftAndNeverGrowsByMoreThanTheMilliAdded() {
        // Property over random size mixes: 0 <= waste(f) <= f, and waste(f + 1) <= waste(f) + 1 (one more milli can
        // only be wasted, never make the rest worse).
        Random rnd = new Random(7);
        for (int c = 0; c < 200; c++) {
            CompletionWaste w = new CompletionWaste(rnd.nextDouble() * 0.3);
            int kinds = 1 + rnd.nextInt(6);
            for (int k = 0; k < kinds; k++) {
                int size = 10 * (1 + rnd.nextInt(99));
                int n = 1 + rnd.nextInt(20);
                for (int i = 0; i < n; i++) w.add(pod("p", 1000, 0, 1, size));
            }
            w.publish();
            for (int f = 0; f < 1000; f++) {
                assertTrue(w.of(f) >= 0 && w.of(f) <= f, "case " + c + " f=" + f + " waste " + w.of(f));
                assertTrue(w.of(f + 1) <= w.of(f) + 1 || f + 1 == 1000, "case " + c + " f=" + f);
            }
        }
    }

    @Test
    void aSharingPodLeavesTheCardThatCanStillBeClosed() {
        // A 530-milli remainder closes with the frequent 470 (60 left); a 320 there leaves 210 that only rare pods
        // fill. The same 320 on a fresh card leaves 680, which two 320s close to 40. History pods ask an A100 (only
        // "hist" has one, and too little CPU for them): they teach the sizes but place nothing, and their shapes
        // make up the typical pods, so FGD's fragment moves the same on both of n's cards.
        assertEquals(1, placeAfterLone470(Map.of()), "completion waste on: the fresh card");
        assertEquals(0, placeAfterLone470(Map.of("completion", 0)), "off: a tie, the lowest card");
    }

    private static int placeAfterLone470(Map<String, Object> args) {
        ClusterState s = TraceCluster.build(List.of(new TraceNode("n", 64_000, 262_144, 2, "T4"),
                new TraceNode("hist", 2_000, 262_144, 1, "A100")), -1);
        Scheduler sch = Schedulers.create(s, QuotaTree.empty(), GpufleetScoreTest.profile(args),
                Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));
        for (int i = 0; i < 60; i++) {
            int size = i % 2 == 0 ? 470 : 320;
            Decision d = sch.schedule(Request.builder("h" + i).cpuMilli(8_000).gpus(1).gpuCoreMilli(size)
                    .allowedModels(java.util.Set.of("A100")).build());
            assertTrue(!d.placed(), "history pods teach sizes only");
        }
        Decision a = sch.schedule(pod("a", 4_000, 1024, 1, 470));
        assertTrue(a.placed(), a.explain());
        assertEquals(0, a.allocation().gpus().get(0).index());
        Decision b = sch.schedule(pod("b", 4_000, 1024, 1, 320));
        assertTrue(b.placed(), b.explain());
        return b.allocation().gpus().get(0).index();
    }
}
