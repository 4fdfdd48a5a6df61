package io.gpufleet.contracts;

/**
 * Extended resources and object names a pod may use to ask gpufleet for GPUs, with the aliases that
 * other GPU-sharing stacks already put in users' manifests.
 */
public final class ResourceNames {
    private ResourceNames() {}

    /** Whole GPUs (the NVIDIA device plugin's name). */
    public static final String GPU = "nvidia.com/gpu";
    /** GPU memory in MiB, for a shared GPU. */
    public static final String GPU_MEMORY_MIB = "gpufleet.io/gpu-memory";
    /** Percent of one GPU's compute, for a shared GPU. */
    public static final String GPU_CORE_PERCENT = "gpufleet.io/gpu-core";

    /** Alias: Alibaba's GPU sharing, memory in GiB. */
    public static final String ALIYUN_GPU_MEM_GIB = "aliyun.com/gpu-mem";
    /** Alias: Koordinator, percent of one GPU's memory. */
    public static final String KOORDINATOR_GPU_MEMORY_RATIO = "koordinator.sh/gpu-memory-ratio";
    /** Alias: Koordinator, percent of one GPU's compute. */
    public static final String KOORDINATOR_GPU_CORE = "koordinator.sh/gpu-core";

    /** Pod annotation where the scheduler records the GPUs (and shares) it assigned. */
    public static final String GPU_ASSIGNMENT_ANNOTATION = "gpufleet.io/gpu-assignment";
    /** Node annotation where the exporter DaemonSet records the node's GPUs and their wiring ({@link GpuInventory}). */
    public static final String GPU_INVENTORY_ANNOTATION = "gpufleet.io/gpus";
    /** Pod label naming its gang (scheduler-plugins PodGroup). */
    public static final String POD_GROUP_LABEL = "scheduling.x-k8s.io/pod-group";
}
