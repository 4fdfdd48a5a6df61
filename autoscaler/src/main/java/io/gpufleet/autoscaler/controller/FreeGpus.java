package io.gpufleet.autoscaler.controller;

import io.gpufleet.autoscaler.policy.ScalingPolicy.Spot;
import io.gpufleet.autoscaler.policy.ScalingPolicy.SpotPreference;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Free whole GPUs per node at one instant, and what placing replicas on them leaves. Pure: a controller pass
 * takes one snapshot and threads the remainder from policy to policy, so two targets never count the same
 * free GPU. Replicas are counted whole per node (a replica's GPUs sit on one node), as the scheduler places them.
 */
public record FreeGpus(List<Node> nodes) {
    /** One node's free GPUs and whether it is spot capacity. */
    public record Node(String name, int gpusFree, boolean spot) {
        public Node {
            if (gpusFree < 0) throw new IllegalArgumentException("gpusFree: must be >= 0, got " + gpusFree + " on " + name);
        }
    }

    /**
     * Replicas placed by capacity type, and the GPUs left.
     *
     * @param onSpot     replicas that fit on spot nodes
     * @param onDemand   replicas that fit on on-demand nodes
     * @param remaining  free GPUs after those replicas
     */
    public record Placement(int onSpot, int onDemand, FreeGpus remaining) {
        public int total() {
            return onSpot + onDemand;
        }
    }

    public FreeGpus {
        nodes = List.copyOf(nodes);
    }

    /** The same nodes with nothing free on those named (nodes under a preemption notice). */
    public FreeGpus without(Set<String> names) {
        if (names.isEmpty()) return this;
        return new FreeGpus(nodes.stream().map(n -> names.contains(n.name()) ? new Node(n.name(), 0, n.spot()) : n).toList());
    }

    /** Free GPUs over all nodes. */
    public int total() {
        return nodes.stream().mapToInt(Node::gpusFree).sum();
    }

    /**
     * Places up to {@code wanted} replicas of {@code gpusPerReplica} GPUs each, following the spot preference:
     * Prefer fills spot nodes first and falls back to on-demand when allowed, Require uses spot only, Never
     * on-demand only. Nodes in {@code excluded} (preemption notices) take nothing.
     */
    public Placement place(int gpusPerReplica, int wanted, Spot spot, Set<String> excluded) {
        if (wanted <= 0) return new Placement(0, 0, this);
        boolean spotAllowed = spot.preference() != SpotPreference.Never;
        boolean onDemandAllowed = spot.preference() == SpotPreference.Never || spot.fallbackToOnDemand();
        if (gpusPerReplica <= 0) {
            // Replicas without GPUs are not the scheduler's to refuse.
            return spot.preference() == SpotPreference.Never ? new Placement(0, wanted, this) : new Placement(wanted, 0, this);
        }
        List<Node> left = new ArrayList<>(nodes);
        int spotPlaced = spotAllowed ? fill(left, gpusPerReplica, wanted, true, excluded) : 0;
        int demandPlaced = onDemandAllowed ? fill(left, gpusPerReplica, wanted - spotPlaced, false, excluded) : 0;
        return new Placement(spotPlaced, demandPlaced, new FreeGpus(left));
    }

    private static int fill(List<Node> nodes, int g, int wanted, boolean spot, Set<String> excluded) {
        int placed = 0;
        for (int i = 0; i < nodes.size() && placed < wanted; i++) {
            Node n = nodes.get(i);
            if (n.spot() != spot || excluded.contains(n.name())) continue;
            int fit = Math.min(n.gpusFree() / g, wanted - placed);
            if (fit == 0) continue;
            placed += fit;
            nodes.set(i, new Node(n.name(), n.gpusFree() - fit * g, n.spot()));
        }
        return placed;
    }
}
