package io.gpufleet.scheduler.simulator;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * The arrival order of one run (benchmarks/SCHEDULER.md part 1, steps 3 and 4): pods sorted by name, shuffled
 * with the run's seed, then padded (trace pods sampled with replacement, appended after the shuffled trace)
 * while the total requested GPU milli is below the target, or trimmed (random pods removed) while it is above.
 * Padding stops at the first pod that reaches the target, trimming at the first removal that gets to it or below.
 */
public final class Workload {
    private Workload() {}

    /** Total GPU milli asked by {@code pods}. */
    public static long gpuMilli(List<TracePod> pods) {
        long s = 0;
        for (TracePod p : pods) s += p.gpuMilliTotal();
        return s;
    }

    /**
     * @param loadPct         target total GPU ask in percent of cluster capacity (e.g. 130)
     * @param clusterGpuMilli cluster capacity in GPU milli
     */
    public static List<TracePod> arrange(List<TracePod> trace, long seed, double loadPct, long clusterGpuMilli) {
        if (trace.isEmpty()) throw new IllegalArgumentException("workload: the pod list is empty");
        if (!(loadPct > 0)) throw new IllegalArgumentException("workload: load must be > 0 percent, was " + loadPct);
        List<TracePod> pods = new ArrayList<>(trace);
        pods.sort(Comparator.comparing(TracePod::name));
        Random rng = new Random(seed);
        Collections.shuffle(pods, rng);
        double target = loadPct / 100 * clusterGpuMilli;
        long total = gpuMilli(pods);
        if (total < target) {
            if (gpuMilli(trace) == 0) throw new IllegalArgumentException("workload: no pod asks for GPUs, cannot pad to " + loadPct + "%");
            List<TracePod> sorted = new ArrayList<>(trace);
            sorted.sort(Comparator.comparing(TracePod::name));
            int n = 0;
            while (total < target) {
                TracePod p = sorted.get(rng.nextInt(sorted.size()));
                pods.add(p.withName(p.name() + "-pad" + n++));
                total += p.gpuMilliTotal();
            }
        } else {
            while (total > target && !pods.isEmpty()) {
                TracePod p = pods.remove(rng.nextInt(pods.size()));
                total -= p.gpuMilliTotal();
            }
        }
        return pods;
    }
}
