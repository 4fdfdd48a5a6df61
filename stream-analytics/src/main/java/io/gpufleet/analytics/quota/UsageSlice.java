package io.gpufleet.analytics.quota;

import io.gpufleet.analytics.typeinfo.UsageSliceSerializer;
import io.gpufleet.contracts.QuotaUsage;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * Partial usage of one quota group (or one user in it) in one minute, summed over one node's GPUs: what the node
 * function hands to the quota windows. Integer milli-units, so sums are exact.
 *
 * @param scope              group total or one user
 * @param quotaGroup         quota group (namespace)
 * @param user               user (workload), empty for the group total
 * @param minuteStart        window start, epoch millis, a multiple of 60 000
 * @param allocatedGpuMillis allocated GPU-milliseconds
 * @param usedGpuMillis      utilization-weighted GPU-milliseconds
 * @param memoryMiBMillis    MiB x milliseconds
 * @param samples            GPU samples counted
 */
@TypeInfo(UsageSliceSerializer.Factory.class)
public record UsageSlice(QuotaUsage.Scope scope, String quotaGroup, String user, long minuteStart,
                         long allocatedGpuMillis, long usedGpuMillis, long memoryMiBMillis, long samples) {

    /** The key the quota windows are partitioned by. */
    public String key() {
        return scope == QuotaUsage.Scope.GROUP ? quotaGroup : quotaGroup + '/' + user;
    }
}
