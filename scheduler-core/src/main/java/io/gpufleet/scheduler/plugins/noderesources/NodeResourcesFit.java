package io.gpufleet.scheduler.plugins.noderesources;

import io.gpufleet.scheduler.framework.CycleState;
import io.gpufleet.scheduler.framework.FilterPlugin;
import io.gpufleet.scheduler.framework.Rejection;
import io.gpufleet.scheduler.model.Request;
import io.gpufleet.scheduler.state.NodeState;

/** Filter: the node's free CPU and memory hold the pod. */
public final class NodeResourcesFit implements FilterPlugin {
    public static final String NAME = "noderesources";
    private static final Rejection CPU = new Rejection(NAME, "insufficient cpu", true);
    private static final Rejection MEMORY = new Rejection(NAME, "insufficient memory", true);
    private static final Rejection CPU_NEVER = new Rejection(NAME, "cpu asked exceeds the node's allocatable", false);
    private static final Rejection MEMORY_NEVER = new Rejection(NAME, "memory asked exceeds the node's allocatable", false);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Rejection filter(CycleState cycle, Request r, NodeState n) {
        if (r.cpuMilli() > n.cpuFree()) return r.cpuMilli() > n.node().cpuMilli() ? CPU_NEVER : CPU;
        if (r.memoryMiB() > n.memoryFree()) return r.memoryMiB() > n.node().memoryMiB() ? MEMORY_NEVER : MEMORY;
        return null;
    }
}
