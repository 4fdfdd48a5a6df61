package io.gpufleet.scheduler.api;

import io.gpufleet.scheduler.quota.QuotaSpec;
import io.gpufleet.scheduler.quota.Resources;

/**
 * A quota group as written to {@code PUT /api/v1/quotas/{name}}: an ElasticQuota with a parent (the tree) and the
 * namespace whose jobs it governs.
 */
public record QuotaInput(String parent, String namespace, Amount min, Amount max) {

    /** GPUs (fractions allowed), GPU memory in MiB, CPU cores; a missing field means 0 for min, unlimited for max. */
    public record Amount(Double gpus, Long gpuMemoryMiB, Double cpu) {
        Resources toResources(String field, boolean isMax) {
            long unset = isMax ? Long.MAX_VALUE : 0;
            return new Resources(milli(field + ".gpus", gpus, unset), mib(field + ".gpuMemoryMiB", gpuMemoryMiB, unset),
                    milli(field + ".cpu", cpu, unset));
        }

        private static long milli(String field, Double v, long unset) {
            if (v == null) return unset;
            if (v.isNaN() || v.isInfinite() || v < 0) throw ApiException.badRequest("field '" + field + "': " + v + " is negative or not a number");
            if (v > 1e9) throw ApiException.badRequest("field '" + field + "': " + v + " is too large");
            return Math.round(v * 1000);
        }

        private static long mib(String field, Long v, long unset) {
            if (v == null) return unset;
            if (v < 0) throw ApiException.badRequest("field '" + field + "': " + v + " is negative");
            return v;
        }

        /** The API's view of a resources record (unlimited dimensions left out). */
        public static Amount of(Resources r) {
            return new Amount(r.gpuMilli() == Long.MAX_VALUE ? null : r.gpuMilli() / 1000.0,
                    r.gpuMemoryMiB() == Long.MAX_VALUE ? null : r.gpuMemoryMiB(),
                    r.cpuMilli() == Long.MAX_VALUE ? null : r.cpuMilli() / 1000.0);
        }
    }

    /** The spec for the quota tree; throws a 400 naming the field when a value is bad. */
    public QuotaSpec toSpec(String name) {
        if (name == null || name.isBlank()) throw ApiException.badRequest("quota name is required");
        Resources mn = min == null ? Resources.ZERO : min.toResources("min", false);
        Resources mx = max == null ? Resources.UNLIMITED : max.toResources("max", true);
        try {
            return new QuotaSpec(name, parent, mn, mx);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }
}
