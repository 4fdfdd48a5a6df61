package io.gpufleet.autoscaler.hpa;

/**
 * A replica as HPA sees it. Failed or deleted pods are ignored; Pending pods and Running pods that are not
 * Ready count as unready (gpufleet applies HPA's CPU readiness rule to GPU metrics too: a replica still
 * loading its model shows a misleadingly low GPU utilization).
 */
public record PodStatus(String name, Phase phase, boolean ready, boolean deleted) {
    /** Pod phase. */
    public enum Phase { Pending, Running, Succeeded, Failed }

    /** A running, ready pod. */
    public static PodStatus ready(String name) {
        return new PodStatus(name, Phase.Running, true, false);
    }

    /** A pod still starting. */
    public static PodStatus pending(String name) {
        return new PodStatus(name, Phase.Pending, false, false);
    }

    boolean ignored() {
        return deleted || phase == Phase.Failed || phase == Phase.Succeeded;
    }

    boolean unready() {
        return phase == Phase.Pending || (phase == Phase.Running && !ready);
    }

    boolean countsAsReady() {
        return !ignored() && phase == Phase.Running && ready;
    }
}
