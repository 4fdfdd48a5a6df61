package io.gpufleet.scheduler.quota;

import java.util.Objects;

/**
 * One group of the elastic quota tree (scheduler-plugins' {@code ElasticQuota} min/max plus a parent).
 *
 * @param name   group name, unique
 * @param parent parent group, or {@code null} for a root
 * @param min    guaranteed: reclaimed by preemption when the group needs it back
 * @param max    cap: the group (with its children) never holds more
 */
public record QuotaSpec(String name, String parent, Resources min, Resources max) {
    public QuotaSpec {
        Objects.requireNonNull(name, "quota.name");
        if (name.isBlank()) throw new IllegalArgumentException("quota.name must not be blank");
        if (parent != null && parent.isBlank()) parent = null;
        min = min == null ? Resources.ZERO : min;
        max = max == null ? Resources.UNLIMITED : max;
        String over = min.exceeding(max);
        if (over != null) throw new IllegalArgumentException("quota " + name + ": min." + over + " is above max." + over);
    }
}
