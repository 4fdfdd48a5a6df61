package io.gpufleet.autoscaler.control;

import io.gpufleet.autoscaler.hpa.HpaDecision;
import io.gpufleet.autoscaler.schedule.ReplicaBounds;

import java.util.Optional;

/**
 * What {@link PolicyScaler} decided for one target at one sync.
 *
 * @param current   replicas before
 * @param desired   replicas to set
 * @param bounds    min/max in force (after cron windows)
 * @param hpa       the HPA step, absent when the target sat at zero
 * @param rule      the rule that had the last word (an HPA reason, or ScaleToZero/WakeFromZero/StayAtZero)
 * @param explain   one line for the log, the Kubernetes event and metrics
 */
public record ScalingDecision(int current, int desired, ReplicaBounds bounds, Optional<HpaDecision> hpa, String rule, String explain) {
    public boolean rescale() {
        return desired != current;
    }
}
