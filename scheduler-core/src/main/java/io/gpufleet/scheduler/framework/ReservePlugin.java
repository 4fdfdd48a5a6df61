package io.gpufleet.scheduler.framework;

import io.gpufleet.scheduler.model.Allocation;

/**
 * Book-keeping when a pod's capacity is taken (after the cluster state assumed it) and given back. Unreserve
 * must undo reserve exactly and must tolerate being called for a pod whose reserve it did not see succeed.
 */
public interface ReservePlugin extends Plugin {
    Status reserve(CycleState cycle, Allocation allocation);

    void unreserve(Allocation allocation);
}
