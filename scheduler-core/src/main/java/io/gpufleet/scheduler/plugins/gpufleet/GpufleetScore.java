package io.gpufleet.scheduler.plugins.gpufleet;

import io.gpufleet.scheduler.framework.FrameworkHandle;
import io.gpufleet.scheduler.framework.Profile;
import io.gpufleet.scheduler.model.Request;
import io.gpufleet.scheduler.plugins.fgd.FgdScore;
import io.gpufleet.scheduler.state.NodeState;
import java.util.Map;
import java.util.Set;

/**
 * gpufleet's fragmentation-aware placement (see README): FGD's fragment measure over a workload distribution
 * learned online from the pods that have arrived, with a coarser or finer score grid and a packing tie-break.
 * Arguments: {@code coverage} (share of arrived pods the typical shapes cover, default 1.0 = every shape seen),
 * {@code scale} (score grid: {@code int(scale · sigmoid(ΔF / 1000))}, default 100), {@code pack} (0 or 1: among
 * equal fragmentation scores prefer the node whose GPUs end up most used, default 0).
 */
public final class GpufleetScore extends FgdScore {
    public static final String NAME = "gpufleet";
    private final double scale;
    private final boolean pack;
    private final boolean cpuOnlyExact;
    private final double band;
    private boolean lastGpu;
    private final int prefer;

    public GpufleetScore(Map<String, Object> args, FrameworkHandle handle) {
        super(NAME, args, handle, Set.of("scale", "pack", "cpuOnlyExact", "band", "repeated", "prefer"), 1.0,
                Profile.number(args, NAME, "repeated", 0, 0, 1) >= 0.5);
        scale = Profile.number(args, NAME, "scale", 100, 1, 10_000);
        pack = Profile.number(args, NAME, "pack", 0, 0, 1) >= 0.5;
        cpuOnlyExact = Profile.number(args, NAME, "cpuOnlyExact", 1, 0, 1) >= 0.5;
        band = Profile.number(args, NAME, "band", 0, 0, 100_000);
        prefer = (int) Profile.number(args, NAME, "prefer", 0, 0, 10);
    }

    /** With {@code band}: every node within {@code band} milli of the least fragment growth ties at the top. */
    @Override
    public void normalize(long[] scores, int count) {
        if (band <= 0 || !lastGpu || count == 0) return;
        long best = Long.MIN_VALUE;
        for (int i = 0; i < count; i++) best = Math.max(best, scores[i]);
        for (int i = 0; i < count; i++) if (scores[i] >= best - band) scores[i] = 10_000_000;
    }

    @Override
    protected int score(double fBefore, NodeState node, Request r, int cards) {
        double after = fragmentation().of(node, node.cpuFree() - r.cpuMilli(), cards, r.coreOnCard());
        if (r.gpuCount() == 0) lastGpu = false;
        if (r.gpuCount() == 0 && cpuOnlyExact) {
            // CPU-only pods: the exact fragment growth (milli), then the node with the least idle GPU (its CPU is
            // worth least to GPU pods).
            long delta = Math.max(-99_999, Math.round(fBefore - after));
            return (int) ((delta + 100_000) * 10_000 + (9_999 - Math.min(9_999, node.freeGpuMilli())));
        }
        lastGpu = r.gpuCount() > 0;
        if (band > 0 && lastGpu) return (int) Math.max(0, Math.min(1_999_999, Math.round(fBefore - after) + 1_000_000));
        int s = (int) (scale / (1 + Math.exp(-(fBefore - after) / 1000)));
        if (prefer > 0) {
            long g = Math.max(1, node.gpuCount());
            long cpg = node.node().cpuMilli() / g / 1000;
            int key = switch (prefer) {
                case 1 -> (int) (99 - Math.min(99, g));
                case 2 -> (int) Math.min(99, g);
                case 3 -> (int) Math.min(99, cpg);
                default -> (int) (99 - Math.min(99, cpg));
            };
            return s * 100 + key;
        }
        if (!pack) return s;
        long cap = node.gpuMilliCapacity();
        long used = cap - node.freeGpuMilli() + (long) r.gpuCount() * r.coreOnCard();
        return s * 1000 + (cap == 0 ? 0 : (int) (999 * used / cap));
    }
}
