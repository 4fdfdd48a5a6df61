package io.gpufleet.autoscaler.actuate;

import io.gpufleet.autoscaler.policy.ScalingPolicy.TargetKind;

/** The Kubernetes scale subresource, as the actuator needs it. */
public interface ScaleApi {
    /** The replica count in the target's spec. */
    int replicas(String namespace, TargetKind kind, String name);

    /** Sets the replica count through the scale subresource. */
    void setReplicas(String namespace, TargetKind kind, String name, int replicas);
}
