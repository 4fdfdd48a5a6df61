package io.gpufleet.scheduler.simulator;

import io.gpufleet.scheduler.plugins.fgd.Fragmentation;
import io.gpufleet.scheduler.state.ClusterState;
import io.gpufleet.scheduler.state.NodeState;

/**
 * The cluster's fragmentation kept incrementally: each node's FGD fragment, recomputed only for nodes a placement
 * or departure changed, and their sum.
 */
final class ClusterFragments {
    private final Fragmentation frag;
    private final ClusterState state;
    private final double[] perNode;
    private double sum;

    ClusterFragments(Fragmentation frag, ClusterState state) {
        this.frag = frag;
        this.state = state;
        this.perNode = new double[state.size()];
        for (NodeState n : state.nodes()) sum += perNode[n.id()] = frag.of(n);
    }

    /** The node's pods changed. */
    void refresh(String node) {
        NodeState n = state.node(node);
        double f = frag.of(n);
        sum += f - perNode[n.id()];
        perNode[n.id()] = f;
    }

    /** Fragmented share of the idle GPU compute, in percent (0 when nothing is idle). */
    double percentOfIdle() {
        long idle = state.gpuMilliCapacity() - state.gpuMilliUsed();
        return idle == 0 ? 0 : 100.0 * sum / idle;
    }
}
