package io.gpufleet.autoscaler.controller;

import io.gpufleet.autoscaler.control.ScalingDecision;
import io.gpufleet.autoscaler.hpa.HpaDecision;
import io.gpufleet.autoscaler.policy.ScalingPolicy;

import java.util.Optional;

/**
 * The rule that limited a policy's recommendation, as the {@code reason} label of
 * {@code gpufleet_autoscaler_limited_total}. Pure.
 */
public final class LimitRule {
    public static final String MAX_REPLICAS = "max_replicas";
    public static final String MIN_REPLICAS = "min_replicas";
    public static final String SCHEDULE = "schedule";
    public static final String BEHAVIOR_POLICY = "behavior_policy";
    public static final String STABILIZATION = "stabilization";
    public static final String GPU_CAPACITY = "gpu_capacity";
    public static final String TOLERANCE = "tolerance";
    public static final String INVALID_METRICS = "invalid_metrics";
    public static final String SCALE_TO_ZERO = "scale_to_zero";
    public static final String PREDICTIVE = "predictive";

    private LimitRule() {}

    /** Empty when the policy's metrics alone set the count. */
    public static Optional<String> of(ScalingPolicy policy, ScalingDecision d) {
        boolean windowMin = d.bounds().minReplicas() != policy.minReplicas() && !d.bounds().activeSchedules().isEmpty();
        boolean windowMax = d.bounds().maxReplicas() != policy.maxReplicas() && !d.bounds().activeSchedules().isEmpty();
        switch (d.rule()) {
            case "StayAtZero":
                return Optional.of(SCALE_TO_ZERO);
            case "ScheduleMin":
                return Optional.of(SCHEDULE);
            case "WakeFromZero", "ScaleToZero":
                return Optional.empty();
            case "Predictive":
                return Optional.of(PREDICTIVE);
            default:
                break;
        }
        if (d.hpa().isEmpty()) return Optional.empty();
        HpaDecision h = d.hpa().get();
        return switch (h.reason()) {
            case TooManyReplicas -> Optional.of(windowMax ? SCHEDULE : MAX_REPLICAS);
            case TooFewReplicas -> Optional.of(windowMin ? SCHEDULE : MIN_REPLICAS);
            case OutsideBounds -> Optional.of(h.desiredReplicas() > h.currentReplicas()
                    ? (windowMin ? SCHEDULE : MIN_REPLICAS) : (windowMax ? SCHEDULE : MAX_REPLICAS));
            case ScaleUpLimit, ScaleDownLimit -> Optional.of(BEHAVIOR_POLICY);
            case InvalidMetrics -> Optional.of(INVALID_METRICS);
            case ScalingDisabled -> Optional.empty();
            case DesiredWithinRange -> {
                if (h.stabilized() != h.rawRecommendation()) yield Optional.of(STABILIZATION);
                boolean tolerated = h.rawRecommendation() == h.currentReplicas()
                        && h.proposals().stream().anyMatch(p -> p.note().contains("tolerance"));
                yield tolerated ? Optional.of(TOLERANCE) : Optional.empty();
            }
        };
    }
}
