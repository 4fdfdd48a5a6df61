package io.gpufleet.scheduler.plugins.gpufleet;

import io.gpufleet.scheduler.model.Request;

/**
 * GPU milli a node's host CPU and memory cannot serve: GPU pods need on average κ_cpu CPU milli and κ_mem MiB per
 * GPU milli (learned from the GPU pods that have arrived), so a node with {@code cpuFree} and {@code memFree} can
 * feed about {@code min(cpuFree / κ_cpu, memFree / κ_mem)} GPU milli; idle GPU beyond that is stranded. FGD's
 * fragment sees CPU only as a cliff (a typical pod's CPU no longer fits); this term grows as soon as a placement
 * takes more CPU per GPU than the workload needs, which steers CPU-heavy pods (CPU-only ones above all) to nodes
 * with CPU to spare.
 */
public final class StrandedGpu {
    private double cpuAsked;
    private double memAsked;
    private double gpuAsked;

    /** Counts an arriving pod (pods without GPUs do not change the ratios). */
    public void add(Request r) {
        if (r.gpuCount() == 0) return;
        cpuAsked += r.cpuMilli();
        memAsked += r.memoryMiB();
        gpuAsked += (double) r.gpuCount() * r.coreOnCard();
    }

    /** Learned CPU milli per GPU milli (0 before the first GPU pod). */
    public double cpuPerGpuMilli() {
        return gpuAsked == 0 ? 0 : cpuAsked / gpuAsked;
    }

    /** Learned host memory MiB per GPU milli (0 before the first GPU pod). */
    public double memoryPerGpuMilli() {
        return gpuAsked == 0 ? 0 : memAsked / gpuAsked;
    }

    /** Idle GPU milli that {@code cpuFree} and {@code memFree} cannot serve at the learned ratios (0 when unknown). */
    public double of(long cpuFree, long memFree, long idleGpuMilli) {
        double kc = cpuPerGpuMilli(), km = memoryPerGpuMilli();
        double served = Double.POSITIVE_INFINITY;
        if (kc > 0) served = Math.max(0, cpuFree) / kc;
        if (km > 0) served = Math.min(served, Math.max(0, memFree) / km);
        return Math.max(0, idleGpuMilli - served);
    }
}
