package io.gpufleet.exporter.sim;

import io.gpufleet.exporter.source.GpuPair;
import io.gpufleet.exporter.source.PathLevel;
import io.gpufleet.exporter.source.Topology;
import java.util.ArrayList;
import java.util.List;

/**
 * How the GPUs of a simulated node are wired, as {@code nvidia-smi topo -m} would show it.
 */
public enum NodeShape {
    /**
     * HGX/DGX baseboard: every pair within an island of 8 is NV with the model's full link count (18 on
     * H100, 12 on A100); islands (nodes of more than 8 GPUs) reach each other across the sockets (SYS).
     */
    NVSWITCH("nvswitch"),
    /**
     * Two sockets, a PCIe switch per pair: a pair under one switch is PIX, same socket NODE, across sockets
     * SYS. The first half of the GPUs is on NUMA node 0, the second half on NUMA node 1.
     */
    PCIE_DUAL_SOCKET("pcie-dual-socket"),
    /** NVLink-bridged pairs (0-1, 2-3, ...) with all the model's links to the partner, PXB otherwise. */
    NVLINK_PAIRS("nvlink-pairs"),
    /**
     * DGX-1 with V100: each quad fully linked (NV1/NV2), GPU i linked to i+4 across quads, SYS for the rest;
     * exactly 8 GPUs.
     */
    NVLINK_HYBRID_CUBE_MESH("nvlink-hybrid-cube-mesh"),
    /** Every GPU behind one PCIe switch tree: all pairs PXB, one NUMA node. */
    PCIE_SWITCH("pcie-switch"),
    /** One GPU. */
    SINGLE("single");

    /** Links between GPU a and b (a < b) of a DGX-1V, 0 when none. */
    private static final int[][] CUBE_MESH = {
            {0, 1, 1, 2, 2, 0, 0, 0},
            {1, 0, 2, 1, 0, 2, 0, 0},
            {1, 2, 0, 2, 0, 0, 1, 0},
            {2, 1, 2, 0, 0, 0, 0, 1},
            {2, 0, 0, 0, 0, 1, 1, 2},
            {0, 2, 0, 0, 1, 0, 2, 1},
            {0, 0, 1, 0, 1, 2, 0, 2},
            {0, 0, 0, 1, 2, 1, 2, 0},
    };

    /** PCI bus numbers of an 8-GPU server (DGX H100 layout), reused per PCI domain for larger nodes. */
    private static final int[] BUSES = {0x18, 0x2A, 0x3A, 0x5D, 0x9A, 0xAB, 0xBA, 0xDB};

    private final String key;

    NodeShape(String key) {
        this.key = key;
    }

    /** Short name used in config, specs and JSON, e.g. {@code nvswitch}. */
    public String key() {
        return key;
    }

    /** The usual shape for {@code gpus} GPUs of {@code model}. */
    public static NodeShape defaultFor(GpuModel model, int gpus) {
        if (gpus == 1) return SINGLE;
        if (model.nvSwitch()) return NVSWITCH;
        if (model.nvLinks() > 0) {
            if (gpus == 8 && model.nvLinks() >= 6) return NVLINK_HYBRID_CUBE_MESH;
            if (gpus % 2 == 0) return NVLINK_PAIRS;
            return PCIE_SWITCH;
        }
        if (gpus > 4 && gpus % 2 == 0) return PCIE_DUAL_SOCKET;
        return PCIE_SWITCH;
    }

    /** Why {@code gpus} GPUs of {@code model} cannot have this shape, or null when they can. */
    public String incompatibility(GpuModel model, int gpus) {
        if (gpus < 1) return "a node needs at least one GPU";
        return switch (this) {
            case SINGLE -> gpus == 1 ? null : "shape single needs exactly 1 GPU, not " + gpus;
            case NVSWITCH -> model.nvSwitch() ? null : model.key() + " has no NVSwitch baseboard";
            case NVLINK_PAIRS -> model.nvLinks() == 0 ? model.key() + " has no NVLink"
                    : gpus % 2 != 0 ? "shape nvlink-pairs needs an even GPU count, not " + gpus : null;
            case NVLINK_HYBRID_CUBE_MESH -> model.nvLinks() < 6 ? model.key() + " has fewer than 6 NVLinks"
                    : gpus != 8 ? "shape nvlink-hybrid-cube-mesh needs exactly 8 GPUs, not " + gpus : null;
            case PCIE_DUAL_SOCKET -> gpus % 2 != 0 ? "shape pcie-dual-socket needs an even GPU count, not " + gpus
                    : null;
            case PCIE_SWITCH -> null;
        };
    }

    /**
     * Finds a shape by its {@link #key()} or enum name, ignoring case.
     *
     * @throws IllegalArgumentException listing the known shapes
     */
    public static NodeShape parse(String text) {
        if (text != null) {
            for (NodeShape s : values()) {
                if (s.key.equalsIgnoreCase(text.trim()) || s.name().equalsIgnoreCase(text.trim())) return s;
            }
        }
        StringBuilder known = new StringBuilder();
        for (NodeShape s : values()) known.append(known.length() == 0 ? "" : ", ").append(s.key);
        throw new IllegalArgumentException("unknown node shape '" + text + "' (known: " + known + ")");
    }

    /** Every pair of GPUs, a &lt; b, with its path level and NVLink count. */
    public Topology topology(GpuModel model, int gpus) {
        List<GpuPair> pairs = new ArrayList<>(gpus * (gpus - 1) / 2);
        for (int a = 0; a < gpus; a++) {
            for (int b = a + 1; b < gpus; b++) {
                int links = linksBetween(model, gpus, a, b);
                pairs.add(links > 0 ? new GpuPair(a, b, PathLevel.NV, links)
                        : new GpuPair(a, b, pciePath(gpus, a, b), 0));
            }
        }
        return new Topology(pairs);
    }

    /** NVLinks between two GPUs ({@code a != b}). */
    int linksBetween(GpuModel model, int gpus, int a, int b) {
        return switch (this) {
            case NVSWITCH -> a / 8 == b / 8 ? model.nvLinks() : 0;
            case NVLINK_PAIRS -> Math.min(a, b) % 2 == 0 && Math.abs(a - b) == 1 ? model.nvLinks() : 0;
            case NVLINK_HYBRID_CUBE_MESH -> CUBE_MESH[a][b];
            default -> 0;
        };
    }

    private PathLevel pciePath(int gpus, int a, int b) {
        return switch (this) {
            // NVSwitch islands only meet across the CPU interconnect
            case NVSWITCH -> PathLevel.SYS;
            case NVLINK_HYBRID_CUBE_MESH, PCIE_DUAL_SOCKET -> {
                if (numaNode(gpus, a) != numaNode(gpus, b)) yield PathLevel.SYS;
                if (this == PCIE_DUAL_SOCKET && a / 2 == b / 2) yield PathLevel.PIX;
                yield PathLevel.NODE;
            }
            case NVLINK_PAIRS, PCIE_SWITCH, SINGLE -> PathLevel.PXB;
        };
    }

    /** Links of GPU {@code gpu} that have a peer (active in NVML's NVLink state). */
    int activeLinks(GpuModel model, int gpus, int gpu) {
        if (model.nvLinks() == 0) return 0;
        if (this == NVSWITCH) return gpus > 1 ? model.nvLinks() : 0;
        int sum = 0;
        for (int other = 0; other < gpus; other++) {
            if (other != gpu) sum += linksBetween(model, gpus, gpu, other);
        }
        return Math.min(sum, model.nvLinks());
    }

    /** NUMA node of a GPU: two sockets split the GPUs in halves; one-socket shapes are all on node 0. */
    int numaNode(int gpus, int gpu) {
        return switch (this) {
            case NVSWITCH, PCIE_DUAL_SOCKET, NVLINK_HYBRID_CUBE_MESH -> gpus < 2 ? 0 : gpu * 2 / gpus;
            case NVLINK_PAIRS, PCIE_SWITCH, SINGLE -> 0;
        };
    }

    /** PCI bus id in NVML's format. */
    static String pciBusId(int gpu) {
        return String.format("%08X:%02X:00.0", gpu / BUSES.length, BUSES[gpu % BUSES.length]);
    }
}
