package io.gpufleet.scheduler.plugins.fgd;

import io.gpufleet.scheduler.state.ClusterState;
import io.gpufleet.scheduler.state.NodeState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * FGD's fragmentation measure (Weng et al., ATC 2023) for a typical-pod distribution. For node n and typical pod
 * m: when m cannot run on n (CPU short, no card of an allowed model with room, not enough such cards, or m is
 * CPU-only) every idle GPU milli of n is a fragment; when it can, the fragments are the idle milli on cards that
 * cannot hold m's per-card share (or are of a model m does not accept). {@code F_n = Σ_m p_m · fragment_n(m)}, in
 * milli-GPU. Healthy cards only. Pure arithmetic on arrays: no allocation per call, and one scratch array, so an
 * instance serves one thread (each scheduler builds its own).
 */
public final class Fragmentation {
    private final long[] cpu;
    private final int[] need;
    private final int[] count;
    private final long[] models;
    private final double[] p;
    private final double pAlwaysIdle;
    private final List<TypicalPod> typical;
    // Typical pods that differ only in CPU see the same cards: the card scan runs once per group of equal
    // (per-card need, card count, models), and CPU is checked per pod. The sum keeps the pods' order, so F is
    // the same double as a scan per pod.
    private final int[] group;
    private final int[] groupNeed;
    private final int[] groupCount;
    private final long[] groupModels;
    private final long[] groupFragment;
    // Per group, its pods' CPU ascending and the running sum of their probabilities (for after()).
    private final long[][] groupCpu;
    private final double[][] groupCumP;
    private final double pTotal;

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
        group = new int[n];
        Map<String, Integer> ids = new HashMap<>();
        for (int m = 0; m < n; m++) group[m] = ids.computeIfAbsent(need[m] + "x" + count[m] + "/" + models[m], k -> ids.size());
        int groups = ids.size();
        groupNeed = new int[groups];
        groupCount = new int[groups];
        groupModels = new long[groups];
        groupFragment = new long[groups];
        for (int m = 0; m < n; m++) {
            groupNeed[group[m]] = need[m];
            groupCount[group[m]] = count[m];
            groupModels[group[m]] = models[m];
        }
        groupCpu = new long[groups][];
        groupCumP = new double[groups][];
        double total = pAlwaysIdle;
        for (int k = 0; k < groups; k++) {
            List<Integer> members = new ArrayList<>();
            for (int m = 0; m < n; m++) if (group[m] == k) members.add(m);
            members.sort(Comparator.comparingLong(m -> cpu[m]));
            groupCpu[k] = new long[members.size()];
            groupCumP[k] = new double[members.size() + 1];
            for (int j = 0; j < members.size(); j++) {
                groupCpu[k][j] = cpu[members.get(j)];
                groupCumP[k][j + 1] = groupCumP[k][j] + p[members.get(j)];
            }
            total += groupCumP[k][members.size()];
        }
        pTotal = total;
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
        Arrays.fill(groupFragment, -1);
        for (int m = 0; m < p.length; m++) {
            if (cpu[m] > cpuFree) {
                f += p[m] * idle;
                continue;
            }
            int k = group[m];
            if (groupFragment[k] < 0) {
                int fit = 0;
                long part = 0;
                int nd = groupNeed[k];
                long mm = groupModels[k];
                for (int c = 0; c < g; c++) {
                    if ((healthy & (1 << c)) == 0) continue;
                    int fr = free(n, c, takeCards, takeMilli);
                    if (fr >= nd && (mm == -1L || (mm & (1L << n.modelId(c))) != 0)) fit++;
                    else part += fr;
                }
                groupFragment[k] = fit >= groupCount[k] ? part : idle;
            }
            f += p[m] * groupFragment[k];
        }
        return f;
    }

    /**
     * A node's fragment and, per group of typical pods, the cards behind it: what {@link #after} needs to answer a
     * what-if by looking only at the cards it changes. Filled by {@link #snapshot}; valid until the node changes.
     */
    public static final class Snapshot {
        long idle;
        int[] fit = new int[0];
        long[] part = new long[0];
    }

    /** Fills {@code s} for the node as it is now and returns its fragment ({@link #after} taking nothing). */
    public double snapshot(NodeState n, Snapshot s) {
        int groups = groupNeed.length;
        if (s.fit.length < groups) {
            s.fit = new int[groups];
            s.part = new long[groups];
        }
        int g = n.gpuCount();
        int healthy = n.healthyMask();
        long idle = 0;
        for (int c = 0; c < g; c++) if ((healthy & (1 << c)) != 0) idle += n.coreFree(c);
        s.idle = idle;
        for (int k = 0; k < groups; k++) {
            int fit = 0;
            long part = 0;
            for (int c = 0; c < g; c++) {
                if ((healthy & (1 << c)) == 0) continue;
                int fr = n.coreFree(c);
                if (fits(k, n, c, fr)) fit++;
                else part += fr;
            }
            s.fit[k] = fit;
            s.part[k] = part;
        }
        return after(s, n, n.cpuFree(), 0, 0);
    }

    /**
     * {@link #of(NodeState, long, int, int)} from a snapshot of the node's current state (the same value up to
     * floating-point rounding): only the cards in {@code takeCards} are looked at again, and pods are summed per
     * group, so scoring many nodes for one pod stays cheap when the distribution has many shapes.
     */
    public double after(Snapshot s, NodeState n, long cpuFree, int takeCards, int takeMilli) {
        int healthy = n.healthyMask();
        int take = takeCards & healthy;
        long idle = s.idle - (long) Integer.bitCount(take) * takeMilli;
        if (idle == 0) return 0;
        // Every pod counts all idle milli, less what the pods whose CPU fits can use: per group, those pods'
        // probability (a prefix of the group by CPU) times the idle milli their cards can hold.
        double f = pTotal * idle;
        for (int k = 0; k < groupCpu.length; k++) {
            double pFit = groupCumP[k][cpuFitting(groupCpu[k], cpuFree)];
            if (pFit == 0) continue;
            int fit = s.fit[k];
            long part = s.part[k];
            for (int t = take; t != 0; t &= t - 1) {
                int c = Integer.numberOfTrailingZeros(t);
                int before = n.coreFree(c), now = before - takeMilli;
                if (fits(k, n, c, before)) fit--;
                else part -= before;
                if (fits(k, n, c, now)) fit++;
                else part += now;
            }
            if (fit >= groupCount[k]) f -= pFit * (idle - part);
        }
        return f;
    }

    /** How many of the ascending {@code cpus} are at most {@code cpuFree}. */
    private static int cpuFitting(long[] cpus, long cpuFree) {
        int hi = cpus.length;
        if (hi == 0 || cpus[hi - 1] <= cpuFree) return hi;  // the usual case: the node has CPU for all of them
        int lo = 0;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cpus[mid] <= cpuFree) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    private boolean fits(int k, NodeState n, int c, int free) {
        long mm = groupModels[k];
        return free >= groupNeed[k] && (mm == -1L || (mm & (1L << n.modelId(c))) != 0);
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
