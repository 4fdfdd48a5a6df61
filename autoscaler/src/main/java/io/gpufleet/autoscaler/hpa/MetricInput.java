package io.gpufleet.autoscaler.hpa;

import io.gpufleet.autoscaler.policy.ScalingPolicy.TargetType;

import java.util.Map;
import java.util.OptionalDouble;

/**
 * One metric's observation for one sync, in HPA's two shapes.
 */
public sealed interface MetricInput permits MetricInput.PerPod, MetricInput.Total {
    /** Metric name for explanations. */
    String name();

    /** Target (percent for Utilization). */
    double target();

    /**
     * A metric with one value per pod (HPA Resource and Pods metrics: GPU utilization, GPU memory): the
     * ratio is the mean over pods with a value divided by the target; pods without a value are "missing".
     *
     * @param values pod name to value; pods absent here have no metric
     */
    record PerPod(String name, TargetType type, double target, Map<String, Double> values) implements MetricInput {
        public PerPod {
            values = Map.copyOf(values);
            if (type == TargetType.Value) {
                throw new IllegalArgumentException("per-pod metric " + name + ": target type must be Utilization or AverageValue");
            }
        }
    }

    /**
     * One value for the whole target (HPA Object and External metrics: a Prometheus query, a signal). An
     * empty value means the metric could not be read this sync.
     */
    record Total(String name, TargetType type, double target, OptionalDouble value) implements MetricInput {
        public Total {
            if (type == TargetType.Utilization) {
                throw new IllegalArgumentException("total metric " + name + ": target type must be Value or AverageValue");
            }
        }
    }
}
