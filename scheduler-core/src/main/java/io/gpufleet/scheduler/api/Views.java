package io.gpufleet.scheduler.api;

import io.gpufleet.contracts.GpuAssignment;
import java.util.List;
import java.util.Map;

/** The JSON shapes the API returns. */
public final class Views {
    private Views() {}

    /** A job with the state of each of its pods. */
    public record Job(String id, String name, String namespace, String user, String kind, int replicas, String phase,
                      String quotaGroup, int priority, Map<String, String> resources, Integer minMember,
                      String submittedAt, List<Pod> pods) {}

    /**
     * One pod: {@code Bound} with its node and GPUs, {@code Waiting} (gang member holding its place until the gang
     * is complete) or {@code Pending} with the reason it waits and how many nodes rejected it for what.
     */
    public record Pod(String name, String phase, String node, List<GpuAssignment.Share> gpus, String reason,
                      Map<String, Integer> rejections) {}

    /** Jobs of {@code GET /api/v1/jobs}. */
    public record JobList(List<Job> items) {}

    /**
     * One GPU: what is free on it, whether it is healthy, the pods holding a share, and the active faults of the
     * fault stream that hold it out of service (empty when none, or when it was marked by hand).
     */
    public record Gpu(int index, String uuid, String model, long memoryMiB, long memoryFreeMiB, int coreFreeMilli,
                      boolean healthy, List<String> pods, List<String> faults) {}

    /** One node: capacity, what is free, whole free GPUs, GPU compute allocated (in GPUs), its GPUs. */
    public record Node(String name, Map<String, String> labels, double cpu, double cpuFree, long memoryMiB,
                       long memoryFreeMiB, int gpuCount, int gpusFree, double gpuAllocated, List<Gpu> gpus) {}

    /** Nodes of {@code GET /api/v1/nodes}. */
    public record NodeList(List<Node> items) {}

    /** A quota group: its spec, what it holds (with descendants) and what it borrows above its min. */
    public record Quota(String name, String parent, String namespace, QuotaInput.Amount min, QuotaInput.Amount max,
                        QuotaInput.Amount used, QuotaInput.Amount borrowed, List<String> children) {}

    /** Quota groups the caller may see. */
    public record QuotaList(List<Quota> items) {}

    /** What-if: where each pod would go and whom that would preempt; nothing is changed. */
    public record WhatIf(boolean fits, String reason, List<Pod> pods, List<String> preempted) {}
}
