package io.gpufleet.analytics.job;

/**
 * Key of a node's pending usage (minute start, quota group, user) or load (window end, namespace, workload):
 * a record rather than a joined string, so folding a GPU's sums in needs no formatting and flushing no parsing.
 */
public record SliceKey(long time, String scope, String name) implements Comparable<SliceKey> {
    @Override
    public int compareTo(SliceKey o) {
        int c = Long.compare(time, o.time);
        if (c != 0) return c;
        c = scope.compareTo(o.scope);
        return c != 0 ? c : name.compareTo(o.name);
    }
}
