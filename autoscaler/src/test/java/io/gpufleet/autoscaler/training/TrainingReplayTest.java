package io.gpufleet.autoscaler.training;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class TrainingReplayTest {
    static List<TrainingJob> jobs(long[]... rows) {
        List<TrainingJob> out = new ArrayList<>();
        for (long[] r : rows) out.add(new TrainingJob(out.size(), r[0], r[1], (int) r[2]));
        return out;
    }

    @Test
    void rigidBackfillsInSubmissionOrder() {
        // pool 8: A(8 GPUs, 100 s) at 0, B(4, 50) at 10, C(2, 30) at 10 -> both wait for A; at 100 both start
        TrainingResult r = TrainingReplay.rigid(jobs(new long[]{0, 100, 8}, new long[]{10, 50, 4}, new long[]{10, 30, 2}), 8);
        assertEquals((100 + 140 + 120) / 3.0, r.meanJct(), 1e-9);
        assertEquals((0 + 90 + 90) / 3.0, r.meanQueue(), 1e-9);
        assertEquals(0, r.resizes());
        // backfill: a small job behind a big one that does not fit starts at once
        TrainingResult b = TrainingReplay.rigid(jobs(new long[]{0, 100, 6}, new long[]{1, 10, 4}, new long[]{2, 10, 2}), 8);
        assertEquals((100 + 109 + 10) / 3.0, b.meanJct(), 1e-9);
    }

    @Test
    void elasticSpeedIsSublinearAndResizesPause() {
        // one job g=2, d=1000 alone on 8 GPUs: a policy that starts it with 4 workers
        ResizePolicy four = (now, running, waiting, free) -> {
            Map<Integer, Integer> m = new HashMap<>();
            for (TrainingJob j : waiting) m.put(j.id(), 4);
            return m;
        };
        TrainingResult r = TrainingReplay.elastic("e", jobs(new long[]{0, 1000, 2}), 8, four);
        assertEquals(1000 / Math.pow(2, 0.8), r.meanJct(), 1e-6);
        assertEquals(0, r.resizes(), "a start is not a resize");
        // resized from 1 to 4 workers when a second job arrives at t = 100: 60 s without progress
        ResizePolicy grow = (now, running, waiting, free) -> {
            Map<Integer, Integer> m = new HashMap<>();
            for (TrainingJob j : waiting) m.put(j.id(), j.minWorkers());
            if (now == 100) for (RunningJob rj : running) m.put(rj.job().id(), 4);
            return m;
        };
        TrainingResult g = TrainingReplay.elastic("e", jobs(new long[]{0, 1000, 2}, new long[]{100, 10, 2}), 8, grow);
        double first = 160 + (1000 - 100 * Math.pow(0.5, 0.8)) / Math.pow(2, 0.8);
        assertEquals((first + (10 / Math.pow(0.5, 0.8))) / 2, g.meanJct(), 1e-6);
        assertEquals(1, g.resizes());
    }

    @Test
    void replayRejectsPoliciesBreakingTheRules() {
        ResizePolicy tooMany = (now, running, waiting, free) -> {
            Map<Integer, Integer> m = new HashMap<>();
            for (TrainingJob j : waiting) m.put(j.id(), j.maxWorkers());
            return m;
        };
        assertThrows(IllegalStateException.class, () -> TrainingReplay.elastic("x", jobs(new long[]{0, 10, 4}, new long[]{0, 10, 4}), 8, tooMany));
        ResizePolicy belowMin = (now, running, waiting, free) -> {
            Map<Integer, Integer> m = new HashMap<>();
            for (TrainingJob j : waiting) m.put(j.id(), 1);
            return m;
        };
        assertTrue(assertThrows(IllegalStateException.class, () -> TrainingReplay.elastic("x", jobs(new long[]{0, 10, 8}), 8, belowMin))
                .getMessage().contains("outside 4..16"));
    }

    @Test
    void policiesKeepBoundsAndFinishEveryJobOnRandomTraces() {
        SplittableRandom rnd = new SplittableRandom(5);
        int[] sizes = {1, 1, 1, 2, 4, 8, 16};
        for (int k = 0; k < 20; k++) {
            List<TrainingJob> js = new ArrayList<>();
            long t = 0;
            for (int i = 0; i < 300; i++) {
                t += rnd.nextInt(600);
                js.add(new TrainingJob(i, t, 600 + rnd.nextInt(30_000), sizes[rnd.nextInt(sizes.length)]));
            }
            double fastest = 0;
            for (TrainingJob j : js) fastest += j.duration() / Math.pow(2, 0.8) / js.size();
            double bound = fastest;
            for (ResizePolicy p : List.of(new SimpleElasticRule(), new GpufleetResizePolicy())) {
                TrainingResult e = TrainingReplay.elastic("e", js, 64, p);
                assertEquals(300, e.jobs());
                assertTrue(e.utilization() > 0 && e.utilization() <= 1.0 + 1e-9, e::toString);
                assertTrue(e.meanJct() >= bound - 1e-6, () -> "no job runs faster than on 2g workers: " + e);
                assertTrue(e.meanQueue() >= 0);
            }
        }
    }

    @Test
    void traceReaderAndCluster04Slice() throws Exception {
        List<TrainingJob> js = TrainingTrace.read("t", new BufferedReader(new StringReader(
                "job_id,submission_time,duration,num_gpu\nb,20,600,2\na,10,700,1\n")));
        assertEquals(10, js.get(0).submit());
        assertEquals(0, js.get(0).id());
        assertThrows(IllegalArgumentException.class, () -> TrainingTrace.read("t", new BufferedReader(new StringReader("a,b\n1,2\n"))));
        Path p = null;
        for (Path d = Path.of("").toAbsolutePath(); d != null && p == null; d = d.getParent()) {
            Path c = d.resolve("shared/traces/msft-itp-elasticflow/cluster04.csv");
            if (Files.exists(c)) p = c;
        }
        assumeTrue(p != null, "shared/traces not found above the working directory");
        List<TrainingJob> all = TrainingTrace.read(p);
        assertEquals(15_802, all.size());
        List<TrainingJob> slice = all.subList(0, 1500);
        TrainingResult rigid = TrainingReplay.rigid(slice, 512);
        TrainingResult simple = TrainingReplay.elastic("simple", slice, 512, new SimpleElasticRule());
        TrainingResult ours = TrainingReplay.elastic("elastic", slice, 512, new GpufleetResizePolicy());
        assertTrue(simple.meanJct() < rigid.meanJct());
        assertTrue(ours.meanJct() < rigid.meanJct(), ours::toString);
        assertTrue(ours.resizes() < simple.resizes(), () -> ours + " vs " + simple);
    }
}
