package io.gpufleet.scheduler;

import io.gpufleet.scheduler.bench.SyntheticCluster;
import io.gpufleet.scheduler.model.Node;
import io.gpufleet.scheduler.model.NodeLabels;
import io.gpufleet.scheduler.state.ClusterState;
import java.util.HashMap;
import java.util.Map;

/** Small clusters for tests. */
public final class Fixtures {
    private Fixtures() {}

    public static Node nvswitch(String name) {
        return SyntheticCluster.node(name, SyntheticCluster.Wiring.NVSWITCH, "A100-SXM4-80GB", 81_920, 8, 128_000, 1_024_000, labels(name, "r0"));
    }

    public static Node pcie(String name, int gpus) {
        return SyntheticCluster.node(name, SyntheticCluster.Wiring.PCIE, "T4-16GB", 15_360, gpus, 64_000, 256_000, labels(name, "r0"));
    }

    public static Node pcie(String name, int gpus, String rack) {
        return SyntheticCluster.node(name, SyntheticCluster.Wiring.PCIE, "T4-16GB", 15_360, gpus, 64_000, 256_000, labels(name, rack));
    }

    public static Node cubeMesh(String name) {
        return SyntheticCluster.node(name, SyntheticCluster.Wiring.CUBE_MESH, "V100-SXM2-32GB", 32_768, 8, 96_000, 768_000, labels(name, "r0"));
    }

    public static Node cpuOnly(String name) {
        return new Node(name, 32_000, 128_000, labels(name, "r0"), java.util.List.of());
    }

    public static Map<String, String> labels(String name, String rack) {
        Map<String, String> m = new HashMap<>();
        m.put(NodeLabels.RACK, rack);
        m.put(NodeLabels.ZONE, "z0");
        return m;
    }

    public static ClusterState state(Node... nodes) {
        ClusterState s = new ClusterState();
        for (Node n : nodes) s.addNode(n);
        return s;
    }
}
