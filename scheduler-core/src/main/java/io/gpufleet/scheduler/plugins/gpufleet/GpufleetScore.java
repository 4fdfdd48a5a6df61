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
 * learned online at PreFilter from the pods that have arrived so far (never from the future), plus the GPU that
 * host CPU and memory would strand ({@link StrandedGpu}) and the milli a shared card is bound to waste given the
 * sharing sizes that actually come ({@link CompletionWaste}), scored on a coarser grid (more near-equal nodes tie, and
 * ties go to the first node visited: first-fit among them); CPU-only pods are placed by their exact fragment
 * growth, then on the node with the least idle GPU (its CPU is worth least to GPU pods).
 *
 * <p>Arguments: {@code coverage} (share of arrived pods the typical shapes cover, default 0.95), {@code scale}
 * (score grid {@code int(scale · sigmoid(ΔF / 1000))}, default 45; FGD uses 100), {@code cpuOnlyExact} (0/1,
 * default 1), {@code stranded} (weight of the stranded GPU in F, default 1; 0 is FGD's measure), {@code completion}
 * (weight of the cards' completion waste in F, default 3; 0 leaves it out) and {@code completionShare} (the share of
 * sharing pods a size needs to count as frequent, default 0.03).
 */
public final class GpufleetScore extends FgdScore {
    public static final String NAME = "gpufleet";
    private final double scale;
    private final boolean cpuOnlyExact;
    private final double strandedWeight;
    private final StrandedGpu stranded = new StrandedGpu();
    private final double completionWeight;
    private final CompletionWaste completion;

    public GpufleetScore(Map<String, Object> args, FrameworkHandle handle) {
        super(NAME, args, handle, Set.of("scale", "cpuOnlyExact", "stranded", "completion", "completionShare"), 0.95);
        scale = Profile.number(args, NAME, "scale", 45, 1, 10_000);
        cpuOnlyExact = Profile.number(args, NAME, "cpuOnlyExact", 1, 0, 1) >= 0.5;
        strandedWeight = Profile.number(args, NAME, "stranded", 1, 0, 100);
        completionWeight = Profile.number(args, NAME, "completion", 3, 0, 100);
        completion = new CompletionWaste(Profile.number(args, NAME, "completionShare", 0.03, 0, 1));
    }

    /** The card allocator's pick: NVLink and PCIe-switch aware for multi-GPU pods (FGD takes the lowest indices). */
    @Override
    protected int wholeCards(Request r, int eligible, int proposed) {
        return proposed;
    }

    @Override
    protected void learn(Request r) {
        stranded.add(r);
        completion.add(r);
    }

    /** With the learned distribution, so memoised scores stay exact between rebuilds. */
    @Override
    protected void rebuilt() {
        stranded.publish();
        completion.publish();
    }

    @Override
    protected void forgetHalf() {
        stranded.halve();
        completion.halve();
    }

    @Override
    protected int score(double fBefore, NodeState node, Request r, int cards) {
        double after = fragmentAfter(node, node.cpuFree() - r.cpuMilli(), cards, r.coreOnCard());
        if (strandedWeight > 0) {
            long idle = node.freeGpuMilli();
            long taken = (long) Integer.bitCount(cards) * r.coreOnCard();
            fBefore += strandedWeight * stranded.of(node.cpuFree(), node.memoryFree(), idle);
            after += strandedWeight * stranded.of(node.cpuFree() - r.cpuMilli(), node.memoryFree() - r.memoryMiB(), idle - taken);
        }
        if (completionWeight > 0 && r.gpuCount() > 0) {
            for (int c = cards; c != 0; c &= c - 1) {
                int free = node.coreFree(Integer.numberOfTrailingZeros(c));
                fBefore += completionWeight * completion.of(free);
                after += completionWeight * completion.of(free - r.coreOnCard());
            }
        }
        if (r.gpuCount() == 0 && cpuOnlyExact) {
            long delta = Math.max(-99_999, Math.min(99_999, Math.round(fBefore - after)));
            return (int) ((delta + 100_000) * 10_000 + (9_999 - Math.min(9_999, node.freeGpuMilli())));
        }
        return (int) (scale / (1 + Math.exp(-(fBefore - after) / 1000)));
    }
}
