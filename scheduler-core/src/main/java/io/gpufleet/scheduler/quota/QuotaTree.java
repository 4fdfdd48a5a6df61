package io.gpufleet.scheduler.quota;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Elastic quota groups in a tree, with the usage of each group (its own pods plus its descendants').
 *
 * <p>Rules: a pod of group {@code g} is admitted only if, for {@code g} and every ancestor, {@code used + pod ≤ max}
 * (borrowing idle capacity above {@code min} is allowed up to {@code max}). A request is within guarantee when
 * {@code used + pod ≤ min} for its group; such a request may reclaim capacity from groups using more than their
 * min. Validation at construction: unknown parents, cycles, {@code min > max}, and children whose mins add up to
 * more than their parent's min are rejected with the group named. An empty tree admits everything.
 */
public final class QuotaTree {
    private final Map<String, QuotaSpec> specs = new LinkedHashMap<>();
    private final Map<String, Group> groups = new HashMap<>();

    private static final class Group {
        final QuotaSpec spec;
        Group parent;
        Resources used = Resources.ZERO;

        Group(QuotaSpec spec) {
            this.spec = spec;
        }
    }

    public QuotaTree(Collection<QuotaSpec> groupSpecs) {
        for (QuotaSpec s : groupSpecs) {
            if (specs.put(s.name(), s) != null) throw new IllegalArgumentException("quota " + s.name() + " is defined twice");
        }
        for (QuotaSpec s : specs.values()) {
            if (s.parent() != null && !specs.containsKey(s.parent())) {
                throw new IllegalArgumentException("quota " + s.name() + ": parent " + s.parent() + " is not defined");
            }
        }
        for (QuotaSpec s : specs.values()) {
            Set<String> seen = new HashSet<>();
            for (String at = s.name(); at != null; at = specs.get(at).parent()) {
                if (!seen.add(at)) throw new IllegalArgumentException("quota " + s.name() + ": parent chain has a cycle through " + at);
            }
        }
        Map<String, Resources> childMins = new HashMap<>();
        for (QuotaSpec s : specs.values()) {
            if (s.parent() != null) childMins.merge(s.parent(), s.min(), Resources::plus);
        }
        for (Map.Entry<String, Resources> e : childMins.entrySet()) {
            String over = e.getValue().exceeding(specs.get(e.getKey()).min());
            if (over != null) {
                throw new IllegalArgumentException("quota " + e.getKey() + ": children's min." + over + " add up to more than its min." + over);
            }
        }
        for (QuotaSpec s : specs.values()) groups.put(s.name(), new Group(s));
        for (Group g : groups.values()) if (g.spec.parent() != null) g.parent = groups.get(g.spec.parent());
    }

    public static QuotaTree empty() {
        return new QuotaTree(List.of());
    }

    public boolean isEmpty() {
        return groups.isEmpty();
    }

    public boolean contains(String group) {
        return groups.containsKey(group);
    }

    public Collection<QuotaSpec> specs() {
        return specs.values();
    }

    public QuotaSpec spec(String group) {
        return specs.get(group);
    }

    /** Usage of {@code group} including its descendants. */
    public Resources used(String group) {
        Group g = groups.get(group);
        return g == null ? Resources.ZERO : g.used;
    }

    /** Why {@code group} cannot take {@code r} more, or {@code null} when it may. */
    public String checkAdmit(String group, Resources r) {
        return checkAdmit(group, r, Resources.ZERO);
    }

    /** Why {@code group} cannot take {@code r} more once {@code released} (usage it holds now) is given back. */
    public String checkAdmit(String group, Resources r, Resources released) {
        Group g = groups.get(group);
        if (g == null) return "quota group " + group + " is not defined";
        for (Group at = g; at != null; at = at.parent) {
            String over = at.used.minus(released).plus(r).exceeding(at.spec.max());
            if (over != null) return "quota " + at.spec.name() + " would exceed max." + over;
        }
        return null;
    }

    /**
     * Whether {@code r} more keeps {@code group} within its guaranteed min: {@code r} uses at least one dimension
     * the group has a positive min in, and in every such dimension {@code used + r ≤ min}. Dimensions with min 0
     * are not guaranteed and not checked (a quota that only guarantees GPUs does not lose its guarantee because
     * its pods also use GPU memory).
     */
    public boolean withinMin(String group, Resources r) {
        Group g = groups.get(group);
        if (g == null) return false;
        Resources min = g.spec.min(), after = g.used.plus(r);
        boolean guaranteed = (r.gpuMilli() > 0 && min.gpuMilli() > 0) || (r.gpuMemoryMiB() > 0 && min.gpuMemoryMiB() > 0)
                || (r.cpuMilli() > 0 && min.cpuMilli() > 0);
        return guaranteed && (min.gpuMilli() == 0 || after.gpuMilli() <= min.gpuMilli())
                && (min.gpuMemoryMiB() == 0 || after.gpuMemoryMiB() <= min.gpuMemoryMiB())
                && (min.cpuMilli() == 0 || after.cpuMilli() <= min.cpuMilli());
    }

    /**
     * Whether {@code group} can give back {@code r} (pods evicted by reclaim) and still hold at least its min. GPU
     * compute and GPU memory are always protected; CPU only when {@code r} holds no GPU: for GPU pods the GPU
     * quota is the guarantee, and a team that uses little CPU (below its CPU min) would otherwise shield its
     * GPUs from every reclaim.
     */
    public boolean canGiveBack(String group, Resources r) {
        Group g = groups.get(group);
        if (g == null) return false;
        Resources after = g.used.minus(r);
        Resources min = g.spec.min();
        boolean gpu = r.gpuMilli() > 0 || r.gpuMemoryMiB() > 0;
        return dim(after.gpuMilli(), min.gpuMilli(), r.gpuMilli())
                && dim(after.gpuMemoryMiB(), min.gpuMemoryMiB(), r.gpuMemoryMiB())
                && (gpu || dim(after.cpuMilli(), min.cpuMilli(), r.cpuMilli()));
    }

    private static boolean dim(long after, long min, long taken) {
        return taken == 0 || after >= min;
    }

    /** Adds usage to the group and its ancestors. */
    public void add(String group, Resources r) {
        for (Group at = groups.get(group); at != null; at = at.parent) at.used = at.used.plus(r);
    }

    /** Removes usage from the group and its ancestors. */
    public void remove(String group, Resources r) {
        for (Group at = groups.get(group); at != null; at = at.parent) at.used = at.used.minus(r);
    }

    /** Dominant resource share of {@code group}: its largest used / capacity ratio over the dimensions. */
    public double dominantShare(String group, Resources capacity) {
        Group g = groups.get(group);
        if (g == null) return 0;
        return Math.max(ratio(g.used.gpuMilli(), capacity.gpuMilli()),
                Math.max(ratio(g.used.gpuMemoryMiB(), capacity.gpuMemoryMiB()), ratio(g.used.cpuMilli(), capacity.cpuMilli())));
    }

    private static double ratio(long used, long cap) {
        return cap <= 0 ? 0 : used / (double) cap;
    }

    /** Group names, roots first. */
    public List<String> names() {
        return new ArrayList<>(specs.keySet());
    }
}
