package io.gpufleet.autoscaler.controller;

import io.gpufleet.autoscaler.policy.ScalingPolicy;

import java.util.Set;

/** The controller's read access to targets, and the one pod-level write it makes (deletion cost). */
public interface Workloads {
    /** The annotation the ReplicaSet controller reads to pick which pods go first on a scale-down. */
    String DELETION_COST = "controller.kubernetes.io/pod-deletion-cost";

    /** The target's spec replicas, GPUs per replica and pods; throws when the API cannot be read. */
    TargetState observe(ScalingPolicy policy);

    /** Nodes under a preemption notice anywhere in the cluster: no new replica or worker goes there. */
    default Set<String> preemptingNodes() {
        return Set.of();
    }

    /** Sets the pod's deletion cost (lower goes first). */
    void setDeletionCost(String namespace, String pod, int cost);
}
