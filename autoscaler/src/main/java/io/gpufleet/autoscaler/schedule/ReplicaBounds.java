package io.gpufleet.autoscaler.schedule;

import java.util.List;

/**
 * Min and max replicas in force at one instant, and the schedule windows that set them (empty: the
 * policy's own bounds).
 */
public record ReplicaBounds(int minReplicas, int maxReplicas, List<String> activeSchedules) {
    public ReplicaBounds {
        activeSchedules = List.copyOf(activeSchedules);
    }
}
