package io.gpufleet.autoscaler.actuate;

import io.gpufleet.autoscaler.policy.ScalingPolicy.TargetKind;

/**
 * Set a workload's replica count. Absolute, hence idempotent: applying it twice is applying it once, which
 * is what makes retries safe.
 */
public record ScaleAction(String namespace, TargetKind kind, String name, int replicas, String reason) {
    public ScaleAction {
        if (replicas < 0) throw new IllegalArgumentException("replicas: must be >= 0, got " + replicas);
    }

    /** namespace/kind/name. */
    public String target() {
        return namespace + "/" + kind + "/" + name;
    }
}
