package io.gpufleet.autoscaler.controller;

import io.gpufleet.autoscaler.policy.ScalingPolicy;
import io.gpufleet.autoscaler.policy.ScalingPolicy.MetricSpec;

import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * Where the controller reads a policy's metrics: GPU utilization and memory per replica (the exporter's series
 * attributed to pods), stream-analytics signals, Prometheus queries. A value that cannot be read is simply
 * absent (HPA's missing-metric rules then apply); an implementation may also throw, which the controller
 * counts as a dependency error and treats as absent.
 */
public interface SignalSource {
    /**
     * Per-replica values of a GPU metric ({@code GpuUtilization} in percent 0..100, {@code GpuMemory} in percent
     * for Utilization targets or bytes for AverageValue targets).
     *
     * @param pods the target's pod names; pods missing from the answer have no value
     */
    Map<String, Double> perReplica(ScalingPolicy policy, MetricSpec metric, List<String> pods);

    /** One value for the whole target (Signal, Prometheus, or a GPU metric with a Value target). */
    OptionalDouble total(ScalingPolicy policy, MetricSpec metric);
}
