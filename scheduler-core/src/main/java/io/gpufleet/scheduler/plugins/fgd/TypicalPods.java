package io.gpufleet.scheduler.plugins.fgd;

import io.gpufleet.scheduler.model.Request;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The typical-pod distribution of FGD: shapes counted over a workload, sorted by count (highest first), kept until
 * their running count reaches {@code coverage} of all pods, probabilities renormalised over the kept shapes.
 * {@link #add} counts pods as they arrive, so the distribution can be learned online from arrived pods only.
 * Ties in count are ordered by first appearance, so the result is deterministic.
 */
public final class TypicalPods {
    private final Map<String, long[]> counts = new HashMap<>();
    private final Map<String, TypicalPod> shapes = new LinkedHashMap<>();
    private long total;

    /** Counts one pod of this shape ({@code n} times). */
    public void add(TypicalPod shape, long n) {
        String k = shape.shapeKey();
        long[] c = counts.get(k);
        if (c == null) {
            counts.put(k, c = new long[1]);
            shapes.put(k, shape.withWeight(1));
        }
        c[0] += n;
        total += n;
    }

    /** Counts one arriving request. */
    public void add(Request r) {
        add(of(r), 1);
    }

    /** Halves every count (shapes seen once are forgotten). */
    public void halve() {
        total = 0;
        for (var it = counts.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            long c = e.getValue()[0] / 2;
            if (c == 0) {
                it.remove();
                shapes.remove(e.getKey());
            } else {
                e.getValue()[0] = c;
                total += c;
            }
        }
    }

    public long total() {
        return total;
    }

    /** The shape of a request: CPU, per-GPU compute, GPU count, allowed models. */
    public static TypicalPod of(Request r) {
        return new TypicalPod(r.cpuMilli(), r.gpuCount() == 0 ? 0 : r.coreOnCard(), r.gpuCount(), r.allowedModels(), 1);
    }

    /** The kept shapes with probabilities summing to 1 (empty when nothing was counted). */
    public List<TypicalPod> typical(double coverage) {
        if (!(coverage > 0 && coverage <= 1)) throw new IllegalArgumentException("coverage must be in (0, 1], was " + coverage);
        List<Map.Entry<String, TypicalPod>> order = new ArrayList<>(shapes.entrySet());
        // Stable sort: equal counts keep first-appearance order.
        order.sort(Comparator.comparingLong((Map.Entry<String, TypicalPod> e) -> -counts.get(e.getKey())[0]));
        List<TypicalPod> kept = new ArrayList<>();
        long running = 0;
        for (Map.Entry<String, TypicalPod> e : order) {
            if (running >= coverage * total) break;
            long c = counts.get(e.getKey())[0];
            kept.add(e.getValue().withWeight(c));
            running += c;
        }
        List<TypicalPod> out = new ArrayList<>(kept.size());
        for (TypicalPod t : kept) out.add(t.withWeight(t.weight() / running));
        return out;
    }
}
