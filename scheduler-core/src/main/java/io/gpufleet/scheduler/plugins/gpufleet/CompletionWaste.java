package io.gpufleet.scheduler.plugins.gpufleet;

import io.gpufleet.scheduler.model.Gpu;
import io.gpufleet.scheduler.model.Request;
import java.util.TreeMap;

/**
 * The GPU milli a shared card is bound to waste: the least remainder that the frequent sharing sizes seen so far can
 * leave on a card with {@code free} milli, filling it with any number of them. FGD's fragment asks only whether the
 * next pod fits; this asks whether pods that actually come can close the card (a 530 remainder closes to 60 with a
 * 470; a 210 remainder closes only with rare pods). A size is frequent when it is at least {@code share} of the
 * sharing pods counted. A fully free card wastes nothing (whole-GPU pods take it). Sizes in use change only at
 * {@link #publish}, so scores memoised between publications stay exact.
 */
public final class CompletionWaste {
    private static final int FULL = Gpu.COMPUTE_MILLI;
    private final double share;
    private final TreeMap<Integer, Long> counts = new TreeMap<>();
    private long total;
    private int[] waste = new int[FULL + 1];

    /** @param share the share of the sharing pods counted that a size needs to be frequent (0..1) */
    public CompletionWaste(double share) {
        this.share = share;
        // Until a publication nothing is known to close a card: it wastes all it has left.
        for (int f = 0; f < FULL; f++) waste[f] = f;
    }

    /** Counts an arriving pod (only single-GPU sharing pods count). */
    public void add(Request r) {
        if (r.gpuCount() != 1 || r.coreOnCard() >= FULL || r.coreOnCard() <= 0) return;
        counts.merge(r.coreOnCard(), 1L, Long::sum);
        total++;
    }

    /** Halves every count (sizes seen once are forgotten); the sizes in use change at the next publication. */
    public void halve() {
        counts.replaceAll((size, n) -> n / 2);
        counts.values().removeIf(n -> n == 0);
        total = counts.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Puts the frequent sizes of the pods counted so far in use. */
    public void publish() {
        // Sums of frequent sizes, each usable any number of times (an unbounded knapsack over 0..1000 milli).
        boolean[] reach = new boolean[FULL + 1];
        reach[0] = true;
        for (var e : counts.entrySet()) {
            if (e.getValue() < share * total) continue;
            int s = e.getKey();
            for (int f = s; f <= FULL; f++) if (reach[f - s]) reach[f] = true;
        }
        int[] w = new int[FULL + 1];
        int best = 0;
        for (int f = 0; f <= FULL; f++) {
            if (reach[f]) best = f;
            w[f] = f - best;
        }
        w[FULL] = 0;
        waste = w;
    }

    /** Milli a card with {@code free} milli left is bound to waste. */
    public int of(int free) {
        return waste[Math.max(0, Math.min(FULL, free))];
    }
}
