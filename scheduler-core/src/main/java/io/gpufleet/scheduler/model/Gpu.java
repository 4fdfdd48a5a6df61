package io.gpufleet.scheduler.model;

import java.util.Map;
import java.util.Objects;

/**
 * One GPU of a node as the scheduler sees it: identity, size and where it sits in the node's topology.
 * Health is not part of the spec; it changes with faults and lives in the cluster state.
 *
 * @param uuid        GPU UUID (as NVML reports it)
 * @param index       position on the node, 0-based and dense
 * @param model       product name, e.g. {@code A100-SXM4-80GB}
 * @param memoryMiB   framebuffer size in MiB
 * @param numaNode    NUMA node the GPU is attached to
 * @param pcieSwitch  id of the PCIe switch it hangs from (unique within the node)
 * @param nvlinkPeers peer index to number of NVLink links to that peer (empty: PCIe only)
 * @param rdmaNic     RDMA NIC on the same PCIe switch, or {@code null} when none is close
 */
public record Gpu(String uuid, int index, String model, long memoryMiB, int numaNode, int pcieSwitch,
                  Map<Integer, Integer> nvlinkPeers, String rdmaNic) {

    /** Compute share of one GPU: a sharing pod asks for a part of these milli. */
    public static final int COMPUTE_MILLI = 1000;

    public Gpu {
        Objects.requireNonNull(uuid, "gpu.uuid");
        if (uuid.isBlank()) throw new IllegalArgumentException("gpu.uuid must not be blank");
        if (index < 0) throw new IllegalArgumentException("gpu.index must be >= 0, was " + index);
        Objects.requireNonNull(model, "gpu.model");
        if (memoryMiB <= 0) throw new IllegalArgumentException("gpu.memoryMiB must be > 0, was " + memoryMiB);
        nvlinkPeers = nvlinkPeers == null ? Map.of() : Map.copyOf(nvlinkPeers);
        for (Map.Entry<Integer, Integer> e : nvlinkPeers.entrySet()) {
            if (e.getKey() == index) throw new IllegalArgumentException("gpu.nvlinkPeers of GPU " + index + " names itself");
            if (e.getValue() <= 0) throw new IllegalArgumentException("gpu.nvlinkPeers link count must be > 0");
        }
    }

    /** NVLink links to {@code peer}, 0 when they talk over PCIe. */
    public int linksTo(int peer) {
        Integer n = nvlinkPeers.get(peer);
        return n == null ? 0 : n;
    }
}
