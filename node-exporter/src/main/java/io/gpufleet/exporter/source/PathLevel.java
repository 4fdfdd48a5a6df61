package io.gpufleet.exporter.source;

/**
 * How two GPUs reach each other, best first; the names are those of {@code nvidia-smi topo -m}. NVLink
 * connected pairs are {@link #NV} with a link count in {@link GpuPair#nvLinks()}.
 */
public enum PathLevel {
    /** Bonded NVLinks (directly or through NVSwitch). */
    NV,
    /** At most one PCIe bridge (NVML SINGLE). */
    PIX,
    /** Multiple PCIe bridges without the host bridge (NVML MULTIPLE). */
    PXB,
    /** Through a PCIe host bridge (NVML HOSTBRIDGE). */
    PHB,
    /** Between host bridges within a NUMA node (NVML NODE). */
    NODE,
    /** Across the SMP interconnect between NUMA nodes (NVML SYSTEM). */
    SYS;

    /** Maps nvmlGpuTopologyLevel_t (INTERNAL 0, SINGLE 10, MULTIPLE 20, HOSTBRIDGE 30, NODE 40, SYSTEM 50). */
    public static PathLevel fromNvml(int level) {
        return switch (level) {
            case 0, 10 -> PIX;
            case 20 -> PXB;
            case 30 -> PHB;
            case 40 -> NODE;
            case 50 -> SYS;
            default -> throw new IllegalArgumentException("unknown NVML topology level " + level);
        };
    }
}
