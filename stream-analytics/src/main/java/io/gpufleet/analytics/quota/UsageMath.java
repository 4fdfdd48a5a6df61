package io.gpufleet.analytics.quota;

import io.gpufleet.analytics.decode.GpuSample;
import io.gpufleet.analytics.decode.PodShare;

/**
 * What one GPU sample adds to its pods' usage. Each sample stands for one sample interval of its GPU. A pod's
 * allocation is its compute share (1 for a whole GPU; an even split among pods whose share is unknown); used time
 * is allocation times the GPU's utilization; memory is what the pod holds (the whole GPU's use for a single pod
 * whose own use is unknown). Every amount is rounded to an integer per sample, so totals are exact in any order.
 */
public final class UsageMath {
    private UsageMath() {}

    private static final double MIB = 1024.0 * 1024.0;
    /** The quota group of pods whose namespace is unknown. */
    public static final String DEFAULT_GROUP = "default";

    /** The quota group of a pod: its namespace ({@code default} when unknown). */
    public static String group(PodShare p) {
        return p.namespace().isEmpty() ? DEFAULT_GROUP : p.namespace();
    }

    /** The user of a pod: the workload that owns it. */
    public static String user(PodShare p) {
        return WorkloadNames.of(p.pod());
    }

    public static long allocatedMillis(GpuSample x, PodShare p, long intervalMillis) {
        double share = p.coreShare() > 0 ? Math.min(1, p.coreShare()) : 1.0 / x.pods().length;
        return Math.round(share * intervalMillis);
    }

    public static long usedMillis(GpuSample x, long allocatedMillis) {
        double u = x.utilization();
        if (!(u > 0)) return 0;
        return Math.round(allocatedMillis * Math.min(1, u));
    }

    public static long memoryMiBMillis(GpuSample x, PodShare p, long intervalMillis) {
        double bytes = p.usedMemoryBytes() >= 0 ? p.usedMemoryBytes()
                : x.pods().length == 1 && x.memoryUsedBytes() > 0 ? x.memoryUsedBytes() : 0;
        return Math.round(bytes / MIB) * intervalMillis;
    }
}
