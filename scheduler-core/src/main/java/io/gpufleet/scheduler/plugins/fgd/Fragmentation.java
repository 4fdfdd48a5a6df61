package io.gpufleet.scheduler.plugins.fgd;

import io.gpufleet.scheduler.state.ClusterState;
import io.gpufleet.scheduler.state.NodeState;
import java.util.List;

/**
 * FGD's fragmentation measure (Weng et al., ATC 2023) for a typical-pod distribution. For node n and typical pod
 * m: when m cannot run on n (CPU short, no card of an allowed model with room, not enough such cards, or m is
 * CPU-only) every idle GPU milli of n is a fragment; when it can, the fragments are the idle milli on cards that
 * cannot hold m's per-card share (or are of a model m does not accept). {@code F_n = Σ_m p_m · fragment_n(m)}, in
 * milli-GPU. Healthy cards only. Pure arithmetic on arrays: no allocation per call.
 */
public final class Fragmentation {
    private final long[] cpu;
    private final int[] need;
    private final int[] count;
    private final long[] models;
    private final double[] p;
    private final double pAlwaysIdle;
    private final List<TypicalPod> typical;

    /** Compiles the distribution against the cluster's model ids (weights are used as given). */
    public Fragmentation(List<TypicalPod> typical, ClusterState state) {
        this.typical = List.copyOf(typical);
        int n = 0;
        double idle = 0;
        for (TypicalPod t : typical) if (t.numGpu() == 0) idle += t.weight(); else n++;
        cpu = new long[n];
        need = new int[n];
        count = new int[n];
        models = new long[n];
        p = new double[n];
        int i = 0;
        for (TypicalPod t : typical) {
            if (t.numGpu() == 0) continue;
            cpu[i] = t.cpuMilli();
            need[i] = t.gpuMilli();
            count[i] = t.numGpu();
            long mask = -1L;
            if (!t.models().isEmpty()) {
                mask = 0;
                for (String m : t.models()) {
                    int id = state.modelId(m);
                    if (id >= 0) mask |= 1L << id;
                }
            }
            models[i] = mask;
            p[i++] = t.weight();
        }
        pAlwaysIdle = idle;
    }

    public List<TypicalPod> typical() {
        return typical;
    }

    /** Current fragment of the node. */
    public double of(NodeState n) {
        return of(n, n.cpuFree(), 0, 0);
    }

    /**
     * Fragment of {@code n} if CPU were {@code cpuFree} and {@code takeMilli} were taken from each card of
     * {@code takeCards} (0: none).
     */
    public double of(NodeState n, long cpuFree, int takeCards, int takeMilli) {
        int g = n.gpuCount();
        int healthy = n.healthyMask();
        long idle = 0;
        for (int c = 0; c < g; c++) {
            if ((healthy & (1 << c)) == 0) continue;
            idle += free(n, c, takeCards, takeMilli);
        }
        if (idle == 0) return 0;
        double f = pAlwaysIdle * idle;
        for (int m = 0; m < p.length; m++) {
            if (cpu[m] > cpuFree) {
                f += p[m] * idle;
                continue;
            }
            int fit = 0;
            long part = 0;
            int nd = need[m];
            long mm = models[m];
            for (int c = 0; c < g; c++) {
                if ((healthy & (1 << c)) == 0) continue;
                int fr = free(n, c, takeCards, takeMilli);
                if (fr >= nd && (mm == -1L || (mm & (1L << n.modelId(c))) != 0)) fit++;
                else part += fr;
            }
            f += p[m] * (fit >= count[m] ? part : idle);
        }
        return f;
    }

    private static int free(NodeState n, int c, int takeCards, int takeMilli) {
        int fr = n.coreFree(c);
        return (takeCards & (1 << c)) != 0 ? fr - takeMilli : fr;
    }

    /**
     * Σ_n F_n in milli-GPU with the typical request taken from the pods placed now (95% coverage of their shapes):
     * free GPU compute the current workload mix could not use. 0 on an empty cluster.
     */
    public static double ofPlacedMix(ClusterState state) {
        TypicalPods mix = new TypicalPods();
        for (ClusterState.Placement p : state.placements()) mix.add(p.allocation().request());
        if (mix.total() == 0) return 0;
        return new Fragmentation(mix.typical(0.95), state).total(state);
    }

    /** Σ_n F_n in milli-GPU. */
    public double total(ClusterState state) {
        double f = 0;
        for (NodeState n : state.nodes()) f += of(n);
        return f;
    }

    /** Σ_n F_n / cluster idle GPU milli (0 when nothing is idle). */
    public double ratio(ClusterState state) {
        long idle = 0;
        for (NodeState n : state.nodes()) idle += n.freeGpuMilli();
        return idle == 0 ? 0 : total(state) / idle;
    }
}
