package io.gpufleet.contracts;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * Smoothed GPU load of one workload (a Deployment, Job or other owner of pods), on topic
 * {@value Topics#SIGNALS}, for the autoscaler.
 *
 * @param namespace          namespace of the workload
 * @param workload           workload name (the pods' owner, derived from pod names)
 * @param windowEndMillis    event time the signal is valid at
 * @param gpus               GPUs (or GPU shares) the workload held in the last window
 * @param utilization        smoothed mean GPU utilization over its GPUs, 0..1
 * @param memoryUsedBytes    smoothed GPU memory held, summed over its GPUs
 * @param memoryRatio        smoothed memory held over memory available to it, 0..1
 * @param throughput         smoothed throughput the workload reports (items per second), NaN when it reports none
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record WorkloadSignal(String namespace, String workload, long windowEndMillis, int gpus, double utilization,
                             double memoryUsedBytes, double memoryRatio, double throughput) {
    public WorkloadSignal {
        if (namespace == null || namespace.isBlank()) throw new IllegalArgumentException("namespace must be set");
        if (workload == null || workload.isBlank()) throw new IllegalArgumentException("workload must be set");
        if (gpus < 0) throw new IllegalArgumentException("gpus must be >= 0, was " + gpus);
        if (!(utilization >= 0 && utilization <= 1)) {
            throw new IllegalArgumentException("utilization must be within 0..1, was " + utilization);
        }
        if (!(memoryUsedBytes >= 0)) throw new IllegalArgumentException("memoryUsedBytes must be >= 0, was " + memoryUsedBytes);
        if (!(memoryRatio >= 0 && memoryRatio <= 1)) {
            throw new IllegalArgumentException("memoryRatio must be within 0..1, was " + memoryRatio);
        }
    }

    /** Whether the workload reported throughput. */
    public boolean hasThroughput() {
        return !Double.isNaN(throughput);
    }

    private static final JsonCodec<WorkloadSignal> CODEC = JsonCodec.of(WorkloadSignal.class);

    public String toJson() {
        return CODEC.toJson(this);
    }

    /** @throws IllegalArgumentException naming the field that is wrong */
    public static WorkloadSignal parse(String json) {
        return CODEC.parse(json);
    }
}
