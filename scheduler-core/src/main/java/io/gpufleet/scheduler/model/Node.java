package io.gpufleet.scheduler.model;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A node: allocatable CPU and memory, labels and its GPUs (index order, dense from 0).
 *
 * @param name      node name, unique in the cluster
 * @param cpuMilli  allocatable CPU in milli-cores
 * @param memoryMiB allocatable memory in MiB
 * @param labels    node labels; see {@link NodeLabels} for the ones the scheduler reads
 * @param gpus      the node's GPUs, {@code gpus.get(i).index() == i}
 */
public record Node(String name, long cpuMilli, long memoryMiB, Map<String, String> labels, List<Gpu> gpus) {

    /** GPUs are tracked in an int bit mask per node. */
    public static final int MAX_GPUS = 32;

    public Node {
        Objects.requireNonNull(name, "node.name");
        if (name.isBlank()) throw new IllegalArgumentException("node.name must not be blank");
        if (cpuMilli < 0) throw new IllegalArgumentException("node " + name + ": cpuMilli must be >= 0, was " + cpuMilli);
        if (memoryMiB < 0) throw new IllegalArgumentException("node " + name + ": memoryMiB must be >= 0, was " + memoryMiB);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        gpus = gpus == null ? List.of() : List.copyOf(gpus);
        if (gpus.size() > MAX_GPUS) {
            throw new IllegalArgumentException("node " + name + ": at most " + MAX_GPUS + " GPUs, has " + gpus.size());
        }
        Set<String> uuids = new HashSet<>();
        for (int i = 0; i < gpus.size(); i++) {
            Gpu g = gpus.get(i);
            if (g.index() != i) throw new IllegalArgumentException("node " + name + ": gpus[" + i + "].index is " + g.index());
            if (!uuids.add(g.uuid())) throw new IllegalArgumentException("node " + name + ": duplicate GPU uuid " + g.uuid());
            for (int peer : g.nvlinkPeers().keySet()) {
                if (peer < 0 || peer >= gpus.size()) {
                    throw new IllegalArgumentException("node " + name + ": gpus[" + i + "].nvlinkPeers names GPU " + peer);
                }
            }
        }
    }

    public String rack() {
        return labels.getOrDefault(NodeLabels.RACK, "");
    }

    public String zone() {
        return labels.getOrDefault(NodeLabels.ZONE, "");
    }

    /** Whether the node caches {@code dataset} (label {@link NodeLabels#DATASETS}). */
    public boolean cachesDataset(String dataset) {
        if (dataset == null || dataset.isEmpty()) return false;
        String list = labels.get(NodeLabels.DATASETS);
        if (list == null) return false;
        for (String s : list.split(",")) {
            if (s.trim().equals(dataset)) return true;
        }
        return false;
    }
}
