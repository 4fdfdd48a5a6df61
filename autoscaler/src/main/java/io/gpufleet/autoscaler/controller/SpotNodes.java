package io.gpufleet.autoscaler.controller;

import java.util.Map;

/**
 * How gpufleet recognises spot capacity and preemption notices on nodes. A node is spot when it carries
 * {@value #CAPACITY_TYPE_LABEL}{@code =spot}, or the equivalent label of Karpenter, GKE or EKS. A node about to
 * be reclaimed carries the taint {@value #PREEMPTING_TAINT} (any effect), set by the node's termination handler
 * when the cloud's notice arrives.
 */
public final class SpotNodes {
    /** gpufleet's capacity-type label: {@code spot} or {@code on-demand}. */
    public static final String CAPACITY_TYPE_LABEL = "gpufleet.io/capacity-type";
    /** The preemption notice: a taint on the node. */
    public static final String PREEMPTING_TAINT = "gpufleet.io/spot-preempting";

    private SpotNodes() {}

    /** True when the node's labels mark it as spot/preemptible capacity. */
    public static boolean isSpot(Map<String, String> labels) {
        if (labels == null) return false;
        return "spot".equalsIgnoreCase(labels.get(CAPACITY_TYPE_LABEL))
                || "spot".equalsIgnoreCase(labels.get("karpenter.sh/capacity-type"))
                || "true".equalsIgnoreCase(labels.get("cloud.google.com/gke-spot"))
                || "true".equalsIgnoreCase(labels.get("cloud.google.com/gke-preemptible"))
                || "SPOT".equalsIgnoreCase(labels.get("eks.amazonaws.com/capacityType"));
    }
}
