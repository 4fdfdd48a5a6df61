package io.gpufleet.autoscaler.controller;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Free GPUs set by hand: tests and simulated fleets. */
public final class InMemoryGpuCapacity implements GpuCapacity {
    private final Map<String, FreeGpus.Node> nodes = new LinkedHashMap<>();
    private RuntimeException failure;

    /** Sets (or replaces) a node's free GPUs. */
    public synchronized InMemoryGpuCapacity node(String name, int gpusFree, boolean spot) {
        nodes.put(name, new FreeGpus.Node(name, gpusFree, spot));
        return this;
    }

    /** Makes {@link #snapshot()} throw {@code failure} until called with null (a scheduler that is down). */
    public synchronized void fail(RuntimeException failure) {
        this.failure = failure;
    }

    @Override
    public synchronized FreeGpus snapshot() {
        if (failure != null) throw failure;
        return new FreeGpus(List.copyOf(nodes.values()));
    }
}
