package io.gpufleet.scheduler.framework;

import io.gpufleet.scheduler.model.Request;
import io.gpufleet.scheduler.state.NodeState;

/** Decides whether a node can hold the pod. Called per node on the hot path: no allocation when it passes. */
public interface FilterPlugin extends Plugin {
    /** {@code null} when the node fits, else why not (prefer preallocated constants). */
    Rejection filter(CycleState cycle, Request request, NodeState node);
}
