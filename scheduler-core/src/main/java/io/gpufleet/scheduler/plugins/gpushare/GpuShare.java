package io.gpufleet.scheduler.plugins.gpushare;

import io.gpufleet.scheduler.framework.CycleState;
import io.gpufleet.scheduler.framework.FilterPlugin;
import io.gpufleet.scheduler.framework.FrameworkHandle;
import io.gpufleet.scheduler.framework.PreFilterPlugin;
import io.gpufleet.scheduler.framework.Status;
import io.gpufleet.scheduler.state.ClusterState;
import io.gpufleet.scheduler.framework.Rejection;
import io.gpufleet.scheduler.model.Request;
import io.gpufleet.scheduler.state.NodeState;

/**
 * PreFilter: a cluster-wide early exit (no node has enough free whole GPUs, or no GPU has the compute share
 * free). Filter for GPU asks of every shape (whole, multi-GPU, a fraction of one GPU, the same fraction on several),
 * from the node's O(1) aggregates: free whole cards, largest free compute and memory on one card. It rejects
 * early with the precise reason; the card allocator then picks exact cards and never over-commits because it
 * only takes cards whose free compute and memory both hold the share.
 */
public final class GpuShare implements PreFilterPlugin, FilterPlugin {
    public static final String NAME = "gpushare";
    private static final Rejection TOO_FEW_GPUS = new Rejection(NAME, "node has fewer GPUs than asked", false);
    private static final Rejection NOT_ENOUGH_WHOLE = new Rejection(NAME, "not enough free whole GPUs", true);
    private static final Rejection NO_COMPUTE = new Rejection(NAME, "no GPU with enough free compute", true);
    private static final Rejection NO_MEMORY = new Rejection(NAME, "no GPU with enough free memory", true);
    private static final Rejection ABOVE_CARD = new Rejection(NAME, "GPU memory share is larger than any GPU of the node", false);
    private static final Rejection NOT_ENOUGH_SHARED = new Rejection(NAME, "free GPU compute or memory on the node is below the total share", true);

    private final FrameworkHandle handle;

    public GpuShare(FrameworkHandle handle) {
        this.handle = handle;
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Cluster-wide early exit from counts the cluster state keeps exact: when no node has {@code k} free whole
     * GPUs, or no GPU anywhere has the compute share free, the pod is rejected without visiting the nodes.
     */
    @Override
    public Status preFilter(CycleState cycle, Request r) {
        int k = r.gpuCount();
        if (k == 0) return Status.OK;
        ClusterState state = handle.state();
        if (r.wholeGpus()) {
            return state.anyNodeWithFreeWholeGpus(k) ? Status.OK
                    : Status.noRoom(NAME, "no node in the cluster has " + k + " free whole GPUs");
        }
        return state.anyNodeWithCoreFree(r.coreOnCard()) ? Status.OK
                : Status.noRoom(NAME, "no GPU in the cluster has " + r.coreOnCard() + " milli of compute free");
    }

    @Override
    public Rejection filter(CycleState cycle, Request r, NodeState n) {
        int k = r.gpuCount();
        if (k == 0) return null;
        if (k > n.gpuCount()) return TOO_FEW_GPUS;
        if (r.wholeGpus()) return Integer.bitCount(n.fullFreeMask()) < k ? NOT_ENOUGH_WHOLE : null;
        int core = r.coreOnCard();
        if (core > n.maxCoreFree()) return NO_COMPUTE;
        if (r.gpuMemoryMiB() > 0) {
            if (r.gpuMemoryMiB() > n.maxCardMemory()) return ABOVE_CARD;
            if (r.gpuMemoryMiB() > n.maxMemoryFreeOnCard()) return NO_MEMORY;
        }
        if ((long) core * k > n.freeGpuMilli() || r.gpuMemoryMiB() * k > n.freeGpuMemory()) return NOT_ENOUGH_SHARED;
        return null;
    }
}
