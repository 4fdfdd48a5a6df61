package io.gpufleet.scheduler.plugins.gpufleet;

import io.gpufleet.scheduler.model.Request;

/**
 * GPU milli a node's host CPU and memory cannot serve: GPU pods need on average κ_cpu CPU milli and κ_mem MiB per
 * GPU milli (learned from the GPU pods that have arrived), so a node with {@code cpuFree} and {@code memFree} can
 * feed about {@code min(cpuFree / κ_cpu, memFree / κ_mem)} GPU milli; idle GPU beyond that is stranded. FGD's
 * fragment sees CPU only as a cliff (a typical pod's CPU no longer fits); this term grows as soon as a placement
 * takes more CPU per GPU than the workload needs, which steers CPU-heavy pods (CPU-only ones above all) to nodes
 * with CPU to spare. {@link #add} counts arrivals; the ratios in use change only at {@link #publish}, so scores
 * memoised between two publications stay exact.
 */
public final class StrandedGpu {
    private double cpuAsked;
    private double memAsked;
    private double gpuAsked;
    private double cpuPerMilli;
    private double memPerMilli;

    /** Counts an arriving pod (pods without GPUs do not change the ratios). */
    public void add(Request r) {
        if (r.gpuCount() == 0) return;
        cpuAsked += r.cpuMilli();
        memAsked += r.memoryMiB();
        gpuAsked += (double) r.gpuCount() * r.coreOnCard();
    }

    /** Halves the weight of every pod counted so far (the ratios in use change at the next publication). */
    public void halve() {
        cpuAsked /= 2;
        memAsked /= 2;
        gpuAsked /= 2;
    }

    /** Puts the ratios of the pods counted so far in use. */
    public void publish() {
        cpuPerMilli = gpuAsked == 0 ? 0 : cpuAsked / gpuAsked;
        memPerMilli = gpuAsked == 0 ? 0 : memAsked / gpuAsked;
    }

    /** CPU milli per GPU milli in use (0 before a GPU pod was published). */
    public double cpuPerGpuMilli() {
        return cpuPerMilli;
    }

    /** Host memory MiB per GPU milli in use (0 before a GPU pod was published). */
    public double memoryPerGpuMilli() {
        return memPerMilli;
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
