package io.gpufleet.autoscaler.controller;

import io.gpufleet.autoscaler.policy.ScalingPolicy;

/** Kubernetes Events on a policy's target, as HPA records them ({@code SuccessfulRescale}, {@code FailedRescale}, ...). */
public interface DecisionEvents {
    /** Reasons the controller uses. */
    String SUCCESSFUL_RESCALE = "SuccessfulRescale";
    String FAILED_RESCALE = "FailedRescale";
    String REPLICAS_UNPLACEABLE = "ReplicasUnplaceable";
    String SPOT_PREEMPTION = "SpotPreemption";
    String FAILED_GET_METRICS = "FailedGetMetrics";
    String SUCCESSFUL_RESIZE = "SuccessfulResize";
    String FAILED_RESIZE = "FailedResize";

    /**
     * Records an event on the target of {@code policy}.
     *
     * @param warning Warning when true, Normal otherwise
     */
    void record(ScalingPolicy policy, boolean warning, String reason, String message);

    /**
     * Records the event; an event is never worth failing a decision for, so a failure is counted
     * ({@code gpufleet_autoscaler_dependency_errors_total{dependency="events"}}) and logged instead.
     */
    default void recordOrCount(ScalingPolicy policy, boolean warning, String reason, String message, AutoscalerMetrics metrics) {
        try {
            record(policy, warning, reason, message);
        } catch (RuntimeException e) {
            metrics.dependencyError("events");
            org.slf4j.LoggerFactory.getLogger(DecisionEvents.class).warn("policy {}/{}: event {} not recorded: {}",
                    policy.namespace(), policy.name(), reason, e.toString());
        }
    }
}
