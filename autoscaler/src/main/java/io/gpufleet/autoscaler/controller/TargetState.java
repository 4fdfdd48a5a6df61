package io.gpufleet.autoscaler.controller;

import io.gpufleet.autoscaler.hpa.PodStatus;

import java.util.List;

/**
 * What the controller reads about a target at one pass.
 *
 * @param replicas        replicas in the target's spec (scale subresource)
 * @param gpusPerReplica  whole GPUs one replica asks for ({@code nvidia.com/gpu} of its pod template)
 * @param pods            the target's pods
 */
public record TargetState(int replicas, int gpusPerReplica, List<Replica> pods) {
    public TargetState {
        pods = List.copyOf(pods);
    }

    /**
     * One pod of the target.
     *
     * @param status       phase and readiness, as HPA reads them
     * @param node         node it runs on (empty when not placed)
     * @param spot         on a spot node
     * @param preempting   its node carries the preemption notice ({@link SpotNodes#PREEMPTING_TAINT})
     * @param deletionCost its {@code controller.kubernetes.io/pod-deletion-cost}, 0 when absent
     */
    public record Replica(PodStatus status, String node, boolean spot, boolean preempting, int deletionCost) {
        public String name() {
            return status.name();
        }
    }

    /** HPA's view of the pods. */
    public List<PodStatus> podStatuses() {
        return pods.stream().map(Replica::status).toList();
    }

    /** Pods on nodes under a preemption notice that are still there. */
    public List<Replica> preempting() {
        return pods.stream().filter(r -> r.preempting() && !r.status().deleted()).toList();
    }
}
