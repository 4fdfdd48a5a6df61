package io.gpufleet.scheduler.simulator;

import io.gpufleet.scheduler.model.Gpu;
import io.gpufleet.scheduler.model.Node;
import io.gpufleet.scheduler.model.Request;
import io.gpufleet.scheduler.state.ClusterState;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Builds the scheduler's model from a trace: nodes (GPUs on PCIe, GPU memory not modelled) and requests. Nodes are
 * added in a random permutation drawn from the run's seed: the scheduler visits nodes in that order and gives
 * ties to the first, which is how the published experiment breaks ties (a fixed per-run node order).
 */
public final class TraceCluster {
    /** GPU memory is not part of the experiment; every card gets this size and pods ask none. */
    static final long CARD_MEMORY_MIB = 16_384;

    private TraceCluster() {}

    public static Node node(TraceNode t) {
        List<Gpu> gpus = new ArrayList<>(t.gpus());
        for (int i = 0; i < t.gpus(); i++) {
            gpus.add(new Gpu(t.name() + "-gpu" + i, i, t.model(), CARD_MEMORY_MIB, 0, 0, Map.of(), null));
        }
        return new Node(t.name(), t.cpuMilli(), t.memoryMiB(), Map.of(), gpus);
    }

    /** Cluster with nodes in the permutation of {@code seed} ({@code seed < 0}: file order). */
    public static ClusterState build(List<TraceNode> nodes, long seed) {
        List<TraceNode> order = new ArrayList<>(nodes);
        if (seed >= 0) Collections.shuffle(order, new Random(seed ^ 0x5DEECE66DL));
        ClusterState s = new ClusterState();
        for (TraceNode t : order) s.addNode(node(t));
        return s;
    }

    public static long gpuMilli(List<TraceNode> nodes) {
        long s = 0;
        for (TraceNode n : nodes) s += n.gpus() * (long) Gpu.COMPUTE_MILLI;
        return s;
    }

    public static Request request(TracePod p) {
        return Request.builder(p.name()).cpuMilli(p.cpuMilli()).memoryMiB(p.memoryMiB()).gpus(p.numGpu())
                .gpuCoreMilli(p.gpuMilli()).allowedModels(p.models()).build();
    }
}
