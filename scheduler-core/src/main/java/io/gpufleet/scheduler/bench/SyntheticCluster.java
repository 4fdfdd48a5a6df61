package io.gpufleet.scheduler.bench;

import io.gpufleet.scheduler.model.Gpu;
import io.gpufleet.scheduler.model.Node;
import io.gpufleet.scheduler.model.NodeLabels;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Node shapes found in GPU fleets, and seeded random mixes of them, for benchmarks, tests and simulations.
 */
public final class SyntheticCluster {
    private SyntheticCluster() {}

    /** How the GPUs of a node are wired. */
    public enum Wiring {
        /** NVSwitch: every pair 12 links (H100/A100 SXM); 4 PCIe switches of 2 GPUs, NIC on each; 2 NUMA nodes. */
        NVSWITCH,
        /** DGX-1 hybrid cube mesh (V100 SXM2): each GPU linked to 4 others, 1 or 2 links; NIC on 2 of 4 switches. */
        CUBE_MESH,
        /** NVLink bridges between pairs (0-1, 2-3, ...), 4 links each; 2 switches, 2 NUMA nodes. */
        PAIRS,
        /** PCIe only; 2 switches of 4, NIC on the first; 2 NUMA nodes. */
        PCIE
    }

    /** DGX-1 hybrid cube mesh as (peer, links) pairs per GPU: 6 links per GPU, symmetric. */
    private static final int[][] CUBE = {
            {1, 1, 2, 1, 3, 2, 4, 2}, {0, 1, 2, 2, 3, 1, 5, 2}, {0, 1, 1, 2, 3, 1, 6, 2}, {0, 2, 1, 1, 2, 1, 7, 2},
            {0, 2, 5, 1, 6, 1, 7, 2}, {1, 2, 4, 1, 6, 2, 7, 1}, {2, 2, 4, 1, 5, 2, 7, 1}, {3, 2, 4, 2, 5, 1, 6, 1}};

    /** One node with {@code gpus} cards (8 for every wiring but PCIe, which takes any count). */
    public static Node node(String name, Wiring wiring, String model, long gpuMemMiB, int gpus, long cpuMilli,
                            long memMiB, Map<String, String> labels) {
        List<Gpu> list = new ArrayList<>();
        for (int i = 0; i < gpus; i++) {
            Map<Integer, Integer> peers = new HashMap<>();
            int sw, numa;
            String nic = null;
            switch (wiring) {
                case NVSWITCH -> {
                    for (int j = 0; j < gpus; j++) if (j != i) peers.put(j, 12);
                    sw = i / 2;
                    numa = i < gpus / 2 ? 0 : 1;
                    nic = "mlx5_" + sw;
                }
                case CUBE_MESH -> {
                    int[] row = CUBE[i % 8];
                    for (int p = 0; p + 1 < row.length; p += 2) if (row[p] < gpus && row[p] != i) peers.put(row[p], row[p + 1]);
                    sw = i / 2;
                    numa = i < 4 ? 0 : 1;
                    nic = sw % 2 == 0 ? "mlx5_" + sw : null;
                }
                case PAIRS -> {
                    int peer = i ^ 1;
                    if (peer < gpus) peers.put(peer, 4);
                    sw = i < gpus / 2 ? 0 : 1;
                    numa = sw;
                    nic = sw == 0 ? "mlx5_0" : null;
                }
                default -> {
                    sw = i < (gpus + 1) / 2 ? 0 : 1;
                    numa = sw;
                    nic = sw == 0 ? "mlx5_0" : null;
                }
            }
            list.add(new Gpu("GPU-" + name + "-" + i, i, model, gpuMemMiB, numa, sw, peers, nic));
        }
        return new Node(name, cpuMilli, memMiB, labels, list);
    }

    /**
     * A seeded fleet of {@code count} 8-GPU nodes mixing H100 (NVSwitch), A100 (NVSwitch), V100 (cube mesh),
     * A10 (pairs) and T4 (PCIe); racks of 16 nodes, 4 zones, some nodes caching one of 8 data sets.
     */
    public static List<Node> mixed(int count, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Node> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int kind = rnd.nextInt(10);
            Map<String, String> labels = new HashMap<>();
            labels.put(NodeLabels.RACK, "rack-" + (i / 16));
            labels.put(NodeLabels.ZONE, "zone-" + (i % 4));
            if (rnd.nextInt(4) == 0) labels.put(NodeLabels.DATASETS, "ds-" + rnd.nextInt(8) + ",ds-" + rnd.nextInt(8));
            String name = "node-" + i;
            Node n = switch (kind) {
                case 0, 1 -> node(name, Wiring.NVSWITCH, "H100-SXM5-80GB", 81_559, 8, 192_000, 2_048_000, labels);
                case 2, 3, 4 -> node(name, Wiring.NVSWITCH, "A100-SXM4-80GB", 81_920, 8, 128_000, 1_024_000, labels);
                case 5, 6 -> node(name, Wiring.CUBE_MESH, "V100-SXM2-32GB", 32_768, 8, 96_000, 768_000, labels);
                case 7 -> node(name, Wiring.PAIRS, "A10-24GB", 23_028, 8, 64_000, 512_000, labels);
                default -> node(name, Wiring.PCIE, "T4-16GB", 15_360, 8, 64_000, 384_000, labels);
            };
            out.add(n);
        }
        return out;
    }
}
