package io.gpufleet.scheduler.plugins.gpuclustering;

import io.gpufleet.scheduler.framework.CycleState;
import io.gpufleet.scheduler.framework.FrameworkHandle;
import io.gpufleet.scheduler.framework.ScorePlugin;
import io.gpufleet.scheduler.model.Request;
import io.gpufleet.scheduler.state.ClusterState;
import io.gpufleet.scheduler.state.NodeState;

/**
 * The GpuClustering baseline of the FGD paper: pods are classed by their per-GPU share (e.g. 250, 500, 1000
 * milli). Bands: nodes holding only GPU pods of the pod's class (4), mixed nodes holding that class (3), nodes
 * with no GPU pods (2), nodes holding only other classes (1); within a band the node whose GPUs end up most used
 * wins. {@code score = band · 1000 + round(999 · used-after / capacity)}. CPU-only pods are scored by use alone.
 * No arguments.
 */
public final class GpuClusteringScore implements ScorePlugin {
    public static final String NAME = "gpuclustering";
    private final FrameworkHandle handle;

    public GpuClusteringScore(FrameworkHandle handle) {
        this.handle = handle;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public long score(CycleState cycle, Request r, NodeState n, int cards) {
        long cap = n.gpuMilliCapacity();
        if (cap == 0) return 0;
        long after = cap - n.freeGpuMilli() + (long) r.gpuCount() * r.coreOnCard();
        long use = Math.round(999.0 * after / cap);
        if (r.gpuCount() == 0) return use;
        boolean same = false, other = false;
        ClusterState state = handle.state();
        for (String pod : n.pods()) {
            Request p = state.placement(pod).allocation().request();
            if (p.gpuCount() == 0) continue;
            if (p.coreOnCard() == r.coreOnCard()) same = true;
            else other = true;
        }
        int band = same ? (other ? 3 : 4) : (other ? 1 : 2);
        return band * 1000L + use;
    }
}
