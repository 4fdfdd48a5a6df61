package io.gpufleet.scheduler.plugins.health;

import io.gpufleet.scheduler.framework.CycleState;
import io.gpufleet.scheduler.framework.FilterPlugin;
import io.gpufleet.scheduler.framework.Rejection;
import io.gpufleet.scheduler.framework.ScorePlugin;
import io.gpufleet.scheduler.model.Request;
import io.gpufleet.scheduler.state.NodeState;

/**
 * Filter: a GPU pod needs at least as many healthy GPUs on the node as it asks (unhealthy cards are already out
 * of the pool in the cluster state; this gives the rejection its true reason). Score: a node whose cards are all
 * healthy scores 100, else {@code 100 · healthy / cards}, steering work away from nodes that are failing.
 */
public final class GpuHealthPlugin implements FilterPlugin, ScorePlugin {
    public static final String NAME = "health";
    private static final Rejection TOO_FEW_HEALTHY = new Rejection(NAME, "fewer healthy GPUs than asked", false);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Rejection filter(CycleState cycle, Request r, NodeState n) {
        if (r.gpuCount() == 0) return null;
        return Integer.bitCount(n.healthyMask()) < r.gpuCount() ? TOO_FEW_HEALTHY : null;
    }

    @Override
    public long score(CycleState cycle, Request r, NodeState n, int cards) {
        int total = n.gpuCount();
        if (total == 0) return 100;
        return 100L * Integer.bitCount(n.healthyMask()) / total;
    }
}
