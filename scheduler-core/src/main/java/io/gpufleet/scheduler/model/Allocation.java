package io.gpufleet.scheduler.model;

import io.gpufleet.contracts.GpuAssignment;
import java.util.List;
import java.util.Objects;

/**
 * Where a pod runs: its node and the exact GPUs and shares it holds.
 *
 * @param request the pod
 * @param node    node name
 * @param gpus    one share per GPU (empty for a CPU-only pod)
 */
public record Allocation(Request request, String node, List<GpuAssignment.Share> gpus) {
    public Allocation {
        Objects.requireNonNull(request, "allocation.request");
        Objects.requireNonNull(node, "allocation.node");
        gpus = gpus == null ? List.of() : List.copyOf(gpus);
    }

    public String pod() {
        return request.name();
    }

    /** GPU compute held, in milli-GPU (a whole GPU is 1000). */
    public long gpuMilli() {
        long s = 0;
        for (GpuAssignment.Share g : gpus) s += g.coreMilli();
        return s;
    }

    /** GPU memory held, in MiB. */
    public long gpuMemoryMiB() {
        long s = 0;
        for (GpuAssignment.Share g : gpus) s += g.memoryMiB();
        return s;
    }

    /** The record written to the pod annotation. */
    public GpuAssignment toAssignment() {
        return new GpuAssignment(node, null, gpus);
    }
}
