package io.gpufleet.scheduler.simulator;

import java.util.Set;

/**
 * One pod of a trace pod list ({@code name,cpu_milli,memory_mib,num_gpu,gpu_milli[,gpu_spec,...,creation_time,
 * deletion_time,...]}).
 *
 * @param name         pod name
 * @param cpuMilli     CPU in milli-cores
 * @param memoryMiB    memory in MiB
 * @param numGpu       GPUs (0 = CPU-only)
 * @param gpuMilli     compute per GPU (below 1000 only for a sharing pod on one GPU; 0 for CPU-only pods)
 * @param models       allowed GPU models (empty = any)
 * @param creationTime seconds, or -1 when the trace has no such column
 * @param deletionTime seconds, or -1 when absent
 */
public record TracePod(String name, long cpuMilli, long memoryMiB, int numGpu, int gpuMilli, Set<String> models,
                       long creationTime, long deletionTime) {
    public TracePod {
        models = Set.copyOf(models);
    }

    /** GPU milli the pod asks in total. */
    public long gpuMilliTotal() {
        return (long) numGpu * gpuMilli;
    }

    /** The failure classes the experiment reports. */
    public enum Kind { CPU_ONLY, SHARING, WHOLE, MULTI_GPU }

    public Kind kind() {
        if (numGpu == 0) return Kind.CPU_ONLY;
        if (numGpu == 1) return gpuMilli < 1000 ? Kind.SHARING : Kind.WHOLE;
        return Kind.MULTI_GPU;
    }

    /** A copy under another name (padding samples pods with replacement). */
    public TracePod withName(String n) {
        return new TracePod(n, cpuMilli, memoryMiB, numGpu, gpuMilli, models, creationTime, deletionTime);
    }
}
