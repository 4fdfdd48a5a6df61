package io.gpufleet.autoscaler.training;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The training replay of AUTOSCALER.md: one pool of GPUs (no node placement), event-driven. Events at the
 * same instant: completions first, then arrivals, then one scheduling pass. With w workers a job progresses
 * at (w / g)^0.8 of its trace speed; every size change of a running job costs it 60 s without progress,
 * during which it holds its new count.
 */
public final class TrainingReplay {
    /** Seconds a resize stops a job. */
    public static final double RESIZE_PAUSE = 60;
    private static final double EPS = 1e-6;

    private TrainingReplay() {
    }

    /** Rigid jobs on exactly g GPUs, greedy backfill in submission order. */
    public static TrainingResult rigid(List<TrainingJob> jobs, int pool) {
        return run("rigid", jobs, pool, false, new RigidPolicy());
    }

    /** Elastic jobs (ceil(g/2)..2g workers) under a resize policy. */
    public static TrainingResult elastic(String mode, List<TrainingJob> jobs, int pool, ResizePolicy policy) {
        return run(mode, jobs, pool, true, policy);
    }

    /** Starts every waiting job that fits, in submission order, on exactly its g GPUs. */
    public static final class RigidPolicy implements ResizePolicy {
        @Override
        public Map<Integer, Integer> plan(double now, List<RunningJob> running, List<TrainingJob> waiting, int free) {
            Map<Integer, Integer> out = new java.util.HashMap<>();
            for (TrainingJob j : waiting) {
                if (j.gpus() <= free) {
                    out.put(j.id(), j.gpus());
                    free -= j.gpus();
                }
            }
            return out;
        }
    }

    static TrainingResult run(String mode, List<TrainingJob> jobs, int pool, boolean elastic, ResizePolicy policy) {
        int n = jobs.size();
        for (TrainingJob j : jobs) {
            if ((elastic ? j.minWorkers() : j.gpus()) > pool) {
                throw new IllegalArgumentException("job " + j.id() + " needs " + j.gpus() + " GPUs, more than the pool of " + pool);
            }
        }
        int[] w = new int[n];
        double[] remaining = new double[n];
        double[] pausedUntil = new double[n];
        double[] lastResize = new double[n];
        double[] start = new double[n];
        double[] finish = new double[n];
        Arrays.fill(start, Double.NaN);
        List<Integer> running = new ArrayList<>();
        List<TrainingJob> waiting = new ArrayList<>();
        int ai = 0;
        int done = 0;
        long resizes = 0;
        double allocated = 0;
        double now = n == 0 ? 0 : jobs.get(0).submit();
        int used = 0;
        while (done < n) {
            double tArr = ai < n ? jobs.get(ai).submit() : Double.POSITIVE_INFINITY;
            double tComp = Double.POSITIVE_INFINITY;
            for (int id : running) {
                tComp = Math.min(tComp, Math.max(now, pausedUntil[id]) + remaining[id] / jobs.get(id).speed(w[id]));
            }
            double tn = Math.min(tArr, tComp);
            if (tn == Double.POSITIVE_INFINITY) throw new IllegalStateException("jobs wait forever: policy started nothing on an idle pool");
            allocated += (double) used * (tn - now);
            List<Integer> still = new ArrayList<>(running.size());
            for (int id : running) {
                TrainingJob j = jobs.get(id);
                double end = Math.max(now, pausedUntil[id]) + remaining[id] / j.speed(w[id]);
                if (end <= tn + EPS) {
                    finish[id] = tn;
                    used -= w[id];
                    w[id] = 0;
                    done++;
                } else {
                    double active = Math.max(0, tn - Math.max(now, pausedUntil[id]));
                    remaining[id] -= active * j.speed(w[id]);
                    still.add(id);
                }
            }
            running = still;
            now = tn;
            while (ai < n && jobs.get(ai).submit() <= now) {
                waiting.add(jobs.get(ai));
                remaining[ai] = jobs.get(ai).duration();
                ai++;
            }
            List<RunningJob> view = new ArrayList<>(running.size());
            for (int id : running) view.add(new RunningJob(jobs.get(id), w[id], remaining[id], lastResize[id]));
            Map<Integer, Integer> plan = policy.plan(now, view, List.copyOf(waiting), pool - used);
            if (plan.isEmpty()) continue;
            boolean started = false;
            for (Map.Entry<Integer, Integer> e : plan.entrySet()) {
                int id = e.getKey();
                int nw = e.getValue();
                TrainingJob j = jobs.get(id);
                int lo = elastic ? j.minWorkers() : j.gpus();
                int hi = elastic ? j.maxWorkers() : j.gpus();
                if (nw < lo || nw > hi) throw new IllegalStateException("policy gave job " + id + " " + nw + " workers outside " + lo + ".." + hi);
                if (Double.isNaN(start[id])) {
                    if (id >= ai) throw new IllegalStateException("policy started job " + id + " before its submission");
                    start[id] = now;
                    lastResize[id] = now;
                    pausedUntil[id] = now;
                    running.add(id);
                    started = true;
                } else if (finish[id] > 0 || w[id] == 0) {
                    throw new IllegalStateException("policy resized job " + id + " that is not running");
                } else if (nw != w[id]) {
                    resizes++;
                    lastResize[id] = now;
                    pausedUntil[id] = now + RESIZE_PAUSE;
                } else {
                    continue;
                }
                used += nw - w[id];
                w[id] = nw;
            }
            if (used > pool) throw new IllegalStateException("policy allocated " + used + " GPUs of " + pool);
            if (started) waiting.removeIf(j -> !Double.isNaN(start[j.id()]));
        }
        double[] jct = new double[n];
        double sumJct = 0, sumQueue = 0, lastFinish = 0, work = 0;
        for (int i = 0; i < n; i++) {
            jct[i] = finish[i] - jobs.get(i).submit();
            sumJct += jct[i];
            sumQueue += start[i] - jobs.get(i).submit();
            lastFinish = Math.max(lastFinish, finish[i]);
            work += (double) jobs.get(i).gpus() * jobs.get(i).duration();
        }
        Arrays.sort(jct);
        double first = n == 0 ? 0 : jobs.get(0).submit();
        double span = n == 0 ? 1 : Math.max(1, jobs.get(n - 1).submit() - first);
        double p95 = n == 0 ? 0 : jct[Math.max(0, (int) Math.ceil(0.95 * n) - 1)];
        return new TrainingResult(mode, n, n == 0 ? 0 : sumJct / n, p95, n == 0 ? 0 : sumQueue / n,
                n == 0 ? 0 : allocated / (pool * Math.max(1, lastFinish - first)), resizes, work / (pool * span));
    }
}
