package io.gpufleet.scheduler.model;

import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A pod asking to be placed. GPU asks come in three shapes:
 * <ul>
 *   <li>CPU-only: {@code gpuCount == 0};</li>
 *   <li>whole GPUs: {@code gpuCount} cards, each entirely the pod's ({@link #wholeGpus()});</li>
 *   <li>sharing: {@code gpuCount} cards (usually one), on each a part of the compute
 *       ({@code gpuCoreMilli} of 1000) and/or of the memory ({@code gpuMemoryMiB}, or
 *       {@code gpuMemoryPercent} of the card's memory).</li>
 * </ul>
 * Build one with {@link #builder(String)}; {@link Builder#resources(Map)} reads a Kubernetes resource map with
 * the aliases of {@link io.gpufleet.contracts.ResourceNames}. Invalid values fail with a message naming the field.
 *
 * @param name             pod key, unique among live pods (e.g. {@code namespace/name})
 * @param cpuMilli         CPU in milli-cores
 * @param memoryMiB        host memory in MiB
 * @param gpuCount         number of GPUs
 * @param gpuCoreMilli     compute per GPU, 0..1000 (1000 with no memory ask is a whole GPU)
 * @param gpuMemoryMiB     memory per GPU in MiB, 0 when not asked in MiB
 * @param gpuMemoryPercent memory per GPU as percent of the card, 0 when not asked that way
 * @param allowedModels    GPU models the pod accepts; empty means any
 * @param nodeSelector     labels the node must carry
 * @param priority         higher goes first and is preempted last
 * @param quotaGroup       elastic quota group (leaf), or {@code null}
 * @param podGroup         gang the pod belongs to, or {@code null}
 * @param dataset          data set the pod reads, or {@code null}
 */
public record Request(String name, long cpuMilli, long memoryMiB, int gpuCount, int gpuCoreMilli, long gpuMemoryMiB,
                      int gpuMemoryPercent, Set<String> allowedModels, Map<String, String> nodeSelector, int priority,
                      String quotaGroup, String podGroup, String dataset) {

    /** Larger asks are treated as typing errors rather than real pods. */
    public static final long MAX_CPU_MILLI = 1_024_000;
    public static final long MAX_MEMORY_MIB = 64L * 1024 * 1024;
    public static final int MAX_GPUS = Node.MAX_GPUS;
    public static final long MAX_GPU_MEMORY_MIB = 1024L * 1024;

    public Request {
        Objects.requireNonNull(name, "request.name");
        if (name.isBlank()) throw new IllegalArgumentException("request.name must not be blank");
        check(cpuMilli >= 0 && cpuMilli <= MAX_CPU_MILLI, name, "cpu", cpuMilli + " milli (allowed 0.." + MAX_CPU_MILLI + ")");
        check(memoryMiB >= 0 && memoryMiB <= MAX_MEMORY_MIB, name, "memory", memoryMiB + " MiB (allowed 0.." + MAX_MEMORY_MIB + ")");
        check(gpuCount >= 0 && gpuCount <= MAX_GPUS, name, "gpuCount", gpuCount + " (allowed 0.." + MAX_GPUS + ")");
        check(gpuCoreMilli >= 0, name, "gpuCoreMilli", gpuCoreMilli + " is negative");
        check(gpuCoreMilli <= Gpu.COMPUTE_MILLI, name, "gpuCoreMilli",
                gpuCoreMilli + " is a share above one GPU (max " + Gpu.COMPUTE_MILLI + ")");
        check(gpuMemoryMiB >= 0 && gpuMemoryMiB <= MAX_GPU_MEMORY_MIB, name, "gpuMemoryMiB",
                gpuMemoryMiB + " MiB (allowed 0.." + MAX_GPU_MEMORY_MIB + ")");
        check(gpuMemoryPercent >= 0, name, "gpuMemoryPercent", gpuMemoryPercent + " is negative");
        check(gpuMemoryPercent <= 100, name, "gpuMemoryPercent", gpuMemoryPercent + " is a share above one GPU (max 100)");
        check(gpuMemoryMiB == 0 || gpuMemoryPercent == 0, name, "gpuMemoryMiB",
                "and gpuMemoryPercent are both set; ask GPU memory one way");
        if (gpuCount == 0) {
            check(gpuCoreMilli == 0 && gpuMemoryMiB == 0 && gpuMemoryPercent == 0, name, "gpuCount",
                    "is 0 but a GPU share is asked");
        } else {
            check(gpuCoreMilli > 0 || gpuMemoryMiB > 0 || gpuMemoryPercent > 0, name, "gpuCoreMilli",
                    "a GPU pod must ask for compute or memory on its GPUs");
        }
        allowedModels = allowedModels == null ? Set.of() : Set.copyOf(allowedModels);
        nodeSelector = nodeSelector == null ? Map.of() : Map.copyOf(nodeSelector);
        quotaGroup = blankToNull(quotaGroup);
        podGroup = blankToNull(podGroup);
        dataset = blankToNull(dataset);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    private static void check(boolean ok, String pod, String field, String what) {
        if (!ok) throw new IllegalArgumentException("pod " + pod + ": " + field + " " + what);
    }

    /** Whether the pod takes whole cards (all compute and all memory of each). */
    public boolean wholeGpus() {
        return gpuCount > 0 && gpuCoreMilli == Gpu.COMPUTE_MILLI && gpuMemoryMiB == 0 && gpuMemoryPercent == 0;
    }

    /** Whether the pod takes parts of cards. */
    public boolean sharing() {
        return gpuCount > 0 && !wholeGpus();
    }

    /** GPU memory this pod takes on a card of {@code cardMiB}. */
    public long memoryOnCard(long cardMiB) {
        if (wholeGpus()) return cardMiB;
        if (gpuMemoryPercent > 0) return (cardMiB * gpuMemoryPercent + 99) / 100;
        return gpuMemoryMiB;
    }

    /** Compute this pod takes on each of its cards. */
    public int coreOnCard() {
        return gpuCoreMilli;
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** Copy with another name (for replicas of one template). */
    public Request withName(String newName) {
        return new Request(newName, cpuMilli, memoryMiB, gpuCount, gpuCoreMilli, gpuMemoryMiB, gpuMemoryPercent,
                allowedModels, nodeSelector, priority, quotaGroup, podGroup, dataset);
    }

    /** Builder; {@link #gpus(int)} alone asks for whole GPUs. */
    public static final class Builder {
        private final String name;
        private long cpuMilli;
        private long memoryMiB;
        private int gpuCount;
        private int gpuCoreMilli = -1;
        private long gpuMemoryMiB;
        private int gpuMemoryPercent;
        private Set<String> allowedModels = Set.of();
        private Map<String, String> nodeSelector = Map.of();
        private int priority;
        private String quotaGroup;
        private String podGroup;
        private String dataset;

        private Builder(String name) {
            this.name = name;
        }

        public Builder cpuMilli(long v) { cpuMilli = v; return this; }
        public Builder memoryMiB(long v) { memoryMiB = v; return this; }
        public Builder gpus(int v) { gpuCount = v; return this; }
        public Builder gpuCoreMilli(int v) { gpuCoreMilli = v; return this; }
        public Builder gpuMemoryMiB(long v) { gpuMemoryMiB = v; return this; }
        public Builder gpuMemoryPercent(int v) { gpuMemoryPercent = v; return this; }
        public Builder allowedModels(Set<String> v) { allowedModels = v; return this; }
        public Builder nodeSelector(Map<String, String> v) { nodeSelector = v; return this; }
        public Builder priority(int v) { priority = v; return this; }
        public Builder quotaGroup(String v) { quotaGroup = v; return this; }
        public Builder podGroup(String v) { podGroup = v; return this; }
        public Builder dataset(String v) { dataset = v; return this; }

        /**
         * Reads a Kubernetes resource map ({@code cpu}, {@code memory}, {@code nvidia.com/gpu} and the GPU sharing
         * names and aliases of {@link io.gpufleet.contracts.ResourceNames}); see {@link ResourceParser}.
         */
        public Builder resources(Map<String, String> resources) {
            ResourceParser.Parsed p = ResourceParser.parse(name, resources);
            cpuMilli = p.cpuMilli();
            memoryMiB = p.memoryMiB();
            gpuCount = p.gpuCount();
            gpuCoreMilli = p.gpuCoreMilli();
            gpuMemoryMiB = p.gpuMemoryMiB();
            gpuMemoryPercent = p.gpuMemoryPercent();
            return this;
        }

        public Request build() {
            int core = gpuCoreMilli;
            if (core < 0) {
                // No compute named: a pod with a memory share takes no compute, otherwise whole GPUs.
                core = gpuCount == 0 || gpuMemoryMiB > 0 || gpuMemoryPercent > 0 ? 0 : Gpu.COMPUTE_MILLI;
            }
            return new Request(name, cpuMilli, memoryMiB, gpuCount, core, gpuMemoryMiB, gpuMemoryPercent,
                    allowedModels, nodeSelector, priority, quotaGroup, podGroup, dataset);
        }
    }
}
