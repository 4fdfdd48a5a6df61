package io.gpufleet.scheduler.plugins.fgd;

import io.gpufleet.scheduler.state.ClusterState;
import io.gpufleet.scheduler.state.NodeState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
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
    private final double pAlwaysIdle;
    private final List<TypicalPod> typical;
    // Typical pods that differ only in CPU see the same cards, so they form one group of equal (per-card need, card
    // count, models): the cards are scanned once per group, and per group the pods' CPU (ascending) with the running
    // sum of their probabilities says which of them the node's CPU can still run.
    private final int[] groupNeed;
    private final int[] groupCount;
    private final long[] groupModels;
    private final long[][] groupCpu;
    private final double[][] groupCumP;
    private final double pTotal;
    private final Snapshot scratch = new Snapshot();

    /** Compiles the distribution against the cluster's model ids (weights are used as given). */
    public Fragmentation(List<TypicalPod> typical, ClusterState state) {
        this.typical = List.copyOf(typical);
        double idle = 0;
        Map<String, List<TypicalPod>> groups = new LinkedHashMap<>();
        Map<String, Long> masks = new HashMap<>();
        for (TypicalPod t : typical) {
            if (t.numGpu() == 0) {
                idle += t.weight();
                continue;
            }
            long mask = -1L;
            if (!t.models().isEmpty()) {
                mask = 0;
                for (String m : t.models()) {
                    int id = state.modelId(m);
                    if (id >= 0) mask |= 1L << id;
                }
            }
            String key = t.gpuMilli() + "x" + t.numGpu() + "/" + mask;
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(t);
            masks.put(key, mask);
        }
        pAlwaysIdle = idle;
        int n = groups.size();
        groupNeed = new int[n];
        groupCount = new int[n];
        groupModels = new long[n];
        groupCpu = new long[n][];
        groupCumP = new double[n][];
        double total = pAlwaysIdle;
        int k = 0;
        for (Map.Entry<String, List<TypicalPod>> e : groups.entrySet()) {
            List<TypicalPod> members = new ArrayList<>(e.getValue());
            members.sort(Comparator.comparingLong(TypicalPod::cpuMilli));
            groupNeed[k] = members.get(0).gpuMilli();
            groupCount[k] = members.get(0).numGpu();
            groupModels[k] = masks.get(e.getKey());
            groupCpu[k] = new long[members.size()];
            groupCumP[k] = new double[members.size() + 1];
            for (int j = 0; j < members.size(); j++) {
                groupCpu[k][j] = members.get(j).cpuMilli();
                groupCumP[k][j + 1] = groupCumP[k][j] + members.get(j).weight();
            }
            total += groupCumP[k][members.size()];
            k++;
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
        fill(n, scratch);
        return after(scratch, n, cpuFree, takeCards, takeMilli);
    }

    /**
     * A node's idle milli and, per group of typical pods, the cards behind its fragment: what {@link #after} needs
     * to answer a what-if by looking only at the cards it changes. Filled by {@link #snapshot}; valid until the
     * node changes.
     */
    public static final class Snapshot {
        long idle;
        int[] fit = new int[0];
        long[] part = new long[0];
    }

    /** Fills {@code s} for the node as it is now and returns its fragment. */
    public double snapshot(NodeState n, Snapshot s) {
        fill(n, s);
        return after(s, n, n.cpuFree(), 0, 0);
    }

    private void fill(NodeState n, Snapshot s) {
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
    }

    /**
     * {@link #of(NodeState, long, int, int)} from a snapshot of the node's current state: only the cards in
     * {@code takeCards} are looked at again, so scoring many nodes for one pod stays cheap.
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

    private boolean fits(int k, NodeState n, int c, int free) {
        long mm = groupModels[k];
        return free >= groupNeed[k] && (mm == -1L || (mm & (1L << n.modelId(c))) != 0);
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
