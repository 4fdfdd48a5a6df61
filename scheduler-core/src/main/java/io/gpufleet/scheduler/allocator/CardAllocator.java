package io.gpufleet.scheduler.allocator;

import io.gpufleet.contracts.GpuAssignment;
import io.gpufleet.scheduler.model.Gpu;
import io.gpufleet.scheduler.model.Request;
import io.gpufleet.scheduler.state.NodeState;
import java.util.ArrayList;
import java.util.List;

/**
 * Picks the exact GPUs for a pod inside one node. The answer is a bit mask of card indices; every card in it has
 * room for the pod's per-card share, so {@link io.gpufleet.scheduler.state.ClusterState#assume} of the resulting
 * allocation cannot fail.
 *
 * <ul>
 *   <li>Whole GPUs, and sharing pods on several GPUs: the best set by topology
 *       ({@link TopologyTable#bestSet}) among the cards that fit.</li>
 *   <li>A sharing pod on one GPU: among the cards that fit, by {@link CardPolicy}: binpack minimises, spread
 *       maximises the card's leftover {@code (coreFree − core)/1000 + (memFree − mem)/cardMemory}; ties to the lowest
 *       index.</li>
 * </ul>
 * No allocation on the hot path: it works on the node's arrays and returns an int.
 */
public final class CardAllocator {
    private final CardPolicy policy;

    public CardAllocator(CardPolicy policy) {
        this.policy = policy;
    }

    public CardPolicy policy() {
        return policy;
    }

    /** Healthy cards among {@code allowedCards} that can hold one per-card share of {@code r}. */
    public static int eligible(NodeState n, Request r, int allowedCards) {
        int cards = n.healthyMask() & allowedCards;
        if (r.wholeGpus()) return n.fullFreeMask() & cards;
        int core = r.coreOnCard();
        int out = 0;
        for (int c = cards; c != 0; c &= c - 1) {
            int i = Integer.numberOfTrailingZeros(c);
            if (n.coreFree(i) >= core && n.memoryFree(i) >= r.memoryOnCard(n.cardMemory(i))) out |= 1 << i;
        }
        return out;
    }

    /** Cards for {@code r} on {@code n}, or 0 when it does not fit. CPU-only pods get 0 too (no cards needed). */
    public int pick(NodeState n, Request r, int allowedCards) {
        int k = r.gpuCount();
        if (k == 0) return 0;
        int ok = eligible(n, r, allowedCards);
        if (Integer.bitCount(ok) < k) return 0;
        if (k > 1 || r.wholeGpus()) return n.topology().bestSet(ok, k);
        int best = -1;
        double bestLeft = 0;
        int core = r.coreOnCard();
        for (int c = ok; c != 0; c &= c - 1) {
            int i = Integer.numberOfTrailingZeros(c);
            long cardMem = n.cardMemory(i);
            double left = (n.coreFree(i) - core) / (double) Gpu.COMPUTE_MILLI
                    + (n.memoryFree(i) - r.memoryOnCard(cardMem)) / (double) cardMem;
            if (best < 0 || (policy == CardPolicy.BINPACK ? left < bestLeft : left > bestLeft)) {
                best = i;
                bestLeft = left;
            }
        }
        return 1 << best;
    }

    /** The shares {@code r} takes on the cards of {@code mask}. */
    public static List<GpuAssignment.Share> shares(NodeState n, Request r, int mask) {
        List<GpuAssignment.Share> out = new ArrayList<>(Integer.bitCount(mask));
        for (int c = mask; c != 0; c &= c - 1) {
            int i = Integer.numberOfTrailingZeros(c);
            Gpu g = n.node().gpus().get(i);
            out.add(new GpuAssignment.Share(g.uuid(), i, r.memoryOnCard(g.memoryMiB()), r.coreOnCard()));
        }
        return out;
    }
}
