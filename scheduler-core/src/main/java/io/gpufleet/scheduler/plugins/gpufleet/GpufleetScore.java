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
 * learned online at PreFilter from the pods that have arrived so far (never from the future), scored on a coarser
 * grid (more near-equal nodes tie, and ties go to the first node visited: first-fit among them), and CPU-only pods
 * placed by their exact fragment growth, then on the node with the least idle GPU (its CPU is worth least to GPU
 * pods).
 *
 * <p>Arguments: {@code coverage} (share of arrived pods the typical shapes cover, default 0.95), {@code scale}
 * (score grid {@code int(scale · sigmoid(ΔF / 1000))}, default 45; FGD uses 100), {@code cpuOnlyExact} (0/1,
 * default 1), {@code repeated} (0/1, default 0: the fragment variant that counts copies of each typical pod
 * limited by CPU, see {@link io.gpufleet.scheduler.plugins.fgd.Fragmentation}).
 */
public final class GpufleetScore extends FgdScore {
    public static final String NAME = "gpufleet";
    private final double scale;
    private final boolean cpuOnlyExact;

    public GpufleetScore(Map<String, Object> args, FrameworkHandle handle) {
        super(NAME, args, handle, Set.of("scale", "cpuOnlyExact", "repeated"), 0.95,
                Profile.number(args, NAME, "repeated", 0, 0, 1) >= 0.5);
        scale = Profile.number(args, NAME, "scale", 45, 1, 10_000);
        cpuOnlyExact = Profile.number(args, NAME, "cpuOnlyExact", 1, 0, 1) >= 0.5;
    }

    @Override
    protected int score(double fBefore, NodeState node, Request r, int cards) {
        double after = fragmentation().of(node, node.cpuFree() - r.cpuMilli(), cards, r.coreOnCard());
        if (r.gpuCount() == 0 && cpuOnlyExact) {
            long delta = Math.max(-99_999, Math.round(fBefore - after));
            return (int) ((delta + 100_000) * 10_000 + (9_999 - Math.min(9_999, node.freeGpuMilli())));
        }
        return (int) (scale / (1 + Math.exp(-(fBefore - after) / 1000)));
    }
}
