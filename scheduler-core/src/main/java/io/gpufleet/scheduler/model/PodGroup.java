package io.gpufleet.scheduler.model;

import java.util.Objects;

/**
 * A gang, after the scheduler-plugins {@code PodGroup}: none of its pods runs until {@code minMember} of them
 * can run together.
 *
 * @param name                   group name; pods name it in {@link Request#podGroup()}
 * @param minMember              pods that must be placed together (at least 1)
 * @param scheduleTimeoutSeconds how long placed members wait for the rest before all are released
 */
public record PodGroup(String name, int minMember, long scheduleTimeoutSeconds) {
    public PodGroup {
        Objects.requireNonNull(name, "podGroup.name");
        if (name.isBlank()) throw new IllegalArgumentException("podGroup.name must not be blank");
        if (minMember < 1) throw new IllegalArgumentException("podGroup " + name + ": minMember must be >= 1, was " + minMember);
        if (minMember > 10_000) throw new IllegalArgumentException("podGroup " + name + ": minMember " + minMember + " is absurd (max 10000)");
        if (scheduleTimeoutSeconds <= 0) {
            throw new IllegalArgumentException("podGroup " + name + ": scheduleTimeoutSeconds must be > 0, was " + scheduleTimeoutSeconds);
        }
    }
}
