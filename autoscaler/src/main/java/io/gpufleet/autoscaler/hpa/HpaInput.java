package io.gpufleet.autoscaler.hpa;

import io.gpufleet.autoscaler.policy.ScalingPolicy.Behavior;

import java.util.List;

/**
 * Everything one HPA sync reads.
 *
 * @param currentReplicas the target's replica count (scale subresource spec)
 * @param minReplicas     lower bound in force (after cron windows)
 * @param maxReplicas     upper bound in force (after cron windows)
 * @param behavior        scale-up and scale-down rules
 * @param metrics         the metrics observed this sync
 * @param pods            the target's pods (readiness for per-pod metrics and Value targets)
 */
public record HpaInput(int currentReplicas, int minReplicas, int maxReplicas, Behavior behavior,
                       List<MetricInput> metrics, List<PodStatus> pods) {
    public HpaInput {
        metrics = List.copyOf(metrics);
        pods = List.copyOf(pods);
        if (minReplicas < 0 || maxReplicas < Math.max(1, minReplicas)) {
            throw new IllegalArgumentException("replica bounds: need 0 <= minReplicas <= maxReplicas, maxReplicas >= 1; got "
                    + minReplicas + ".." + maxReplicas);
        }
        if (currentReplicas < 0) throw new IllegalArgumentException("currentReplicas: must be >= 0, got " + currentReplicas);
    }
}
