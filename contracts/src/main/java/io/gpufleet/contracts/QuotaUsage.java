package io.gpufleet.contracts;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * GPU usage of a quota group or of one user in it over a window, on topic {@value Topics#QUOTA_USAGE}.
 * Amounts are integers in milli-units so that totals add up exactly in any order (no floating-point drift):
 * the seconds-valued accessors are views on them.
 *
 * <p>Each GPU sample stands for one sample interval of its GPU. Allocated time is the pod's share of the GPU
 * (1 for a whole GPU) over that interval; used time is allocated time weighted by the GPU's utilization;
 * memory is the pod's GPU memory over that interval.
 *
 * @param scope              group total or one user within the group
 * @param quotaGroup         the quota group (the namespace, as an ElasticQuota is per namespace)
 * @param user               the user within the group; empty for {@link Scope#GROUP}
 * @param period             a minute window or the running total of a day (UTC)
 * @param windowStartMillis  window start, epoch millis
 * @param windowEndMillis    window end (exclusive), epoch millis
 * @param allocatedGpuMillis allocated GPU-milliseconds
 * @param usedGpuMillis      utilization-weighted GPU-milliseconds
 * @param memoryMiBMillis    GPU memory in MiB times milliseconds
 * @param samples            how many GPU samples were counted
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record QuotaUsage(Scope scope, String quotaGroup, String user, Period period, long windowStartMillis,
                         long windowEndMillis, long allocatedGpuMillis, long usedGpuMillis, long memoryMiBMillis,
                         long samples) {

    public enum Scope { GROUP, USER }

    public enum Period { MINUTE, DAY }

    public QuotaUsage {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(period, "period");
        if (quotaGroup == null || quotaGroup.isBlank()) throw new IllegalArgumentException("quotaGroup must be set");
        user = user == null ? "" : user;
        if (scope == Scope.USER && user.isBlank()) throw new IllegalArgumentException("user must be set for scope USER");
        if (windowEndMillis <= windowStartMillis) {
            throw new IllegalArgumentException("windowEndMillis must be after windowStartMillis, was "
                    + windowEndMillis + " <= " + windowStartMillis);
        }
        if (allocatedGpuMillis < 0) throw new IllegalArgumentException("allocatedGpuMillis must be >= 0, was " + allocatedGpuMillis);
        if (usedGpuMillis < 0) throw new IllegalArgumentException("usedGpuMillis must be >= 0, was " + usedGpuMillis);
        if (memoryMiBMillis < 0) throw new IllegalArgumentException("memoryMiBMillis must be >= 0, was " + memoryMiBMillis);
        if (samples < 0) throw new IllegalArgumentException("samples must be >= 0, was " + samples);
    }

    @JsonProperty(value = "allocatedGpuSeconds", access = JsonProperty.Access.READ_ONLY)
    public double allocatedGpuSeconds() {
        return allocatedGpuMillis / 1000.0;
    }

    @JsonProperty(value = "usedGpuSeconds", access = JsonProperty.Access.READ_ONLY)
    public double usedGpuSeconds() {
        return usedGpuMillis / 1000.0;
    }

    @JsonProperty(value = "memoryGiBSeconds", access = JsonProperty.Access.READ_ONLY)
    public double memoryGiBSeconds() {
        return memoryMiBMillis / 1024.0 / 1000.0;
    }

    /** Used over allocated, 0..1; 0 when nothing was allocated. */
    @JsonProperty(value = "efficiency", access = JsonProperty.Access.READ_ONLY)
    public double efficiency() {
        return allocatedGpuMillis == 0 ? 0 : (double) usedGpuMillis / allocatedGpuMillis;
    }

    private static final JsonCodec<QuotaUsage> CODEC = JsonCodec.of(QuotaUsage.class);

    public String toJson() {
        return CODEC.toJson(this);
    }

    /** @throws IllegalArgumentException naming the field that is wrong */
    public static QuotaUsage parse(String json) {
        return CODEC.parse(json);
    }
}
