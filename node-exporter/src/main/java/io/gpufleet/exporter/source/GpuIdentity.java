package io.gpufleet.exporter.source;

import java.util.Objects;

/**
 * What identifies a GPU and does not change while the exporter runs.
 *
 * @param node       the host name the GPU sits in
 * @param index      NVML index (0-based) on that host
 * @param uuid       NVML UUID, {@code GPU-…}
 * @param model      product name, e.g. {@code NVIDIA H100 80GB HBM3}
 * @param pciBusId   PCI bus id, e.g. {@code 00000000:17:00.0}
 * @param serial     board serial, or empty where the board has none
 * @param numaNode   NUMA node the GPU is attached to, or -1 when unknown
 * @param minorNumber the {@code /dev/nvidiaN} minor number (the DCGM {@code device} label), or -1
 */
public record GpuIdentity(String node, int index, String uuid, String model, String pciBusId, String serial,
                          int numaNode, int minorNumber) {
    public GpuIdentity {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(uuid, "uuid");
        model = model == null ? "" : model;
        pciBusId = pciBusId == null ? "" : pciBusId;
        serial = serial == null ? "" : serial;
    }

    /** The DCGM-exporter {@code device} label: {@code nvidia<minor>}. */
    public String device() {
        return "nvidia" + (minorNumber >= 0 ? minorNumber : index);
    }
}
