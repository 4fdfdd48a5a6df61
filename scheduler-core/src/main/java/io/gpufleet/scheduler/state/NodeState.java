package io.gpufleet.scheduler.state;

import io.gpufleet.scheduler.allocator.TopologyTable;
import io.gpufleet.scheduler.model.Gpu;
import io.gpufleet.scheduler.model.Node;
import io.gpufleet.scheduler.model.NodeLabels;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;
import java.util.List;

/**
 * What is free on one node, kept current by {@link ClusterState}. Every aggregate (free whole cards, largest free
 * share on one card, free totals, models present) is recomputed from the node's own cards on each change, so a
 * filter answers "does it fit" without looking at other nodes or at pods: O(1) in the cluster size.
 * Unhealthy cards are left out of every aggregate: they are out of the pool.
 */
public final class NodeState {
    private final int id;
    private final Node node;
    private final TopologyTable topology;
    private final int gpuCount;
    private final long[] cardMemory;
    private final int[] modelId;
    private final int allCards;
    private final long gpuMemoryCapacity;
    private final long maxCardMemory;
    private final Set<String> datasets;

    long cpuFree;
    long memFree;
    final int[] coreFree;
    final long[] cardMemFree;
    int healthyMask;
    private int fullFreeMask;
    private int maxCoreFree;
    private long maxMemFree;
    private long freeGpuMilli;
    private long freeGpuMemory;
    private long modelMask;
    private int homogeneousModel;
    private long changes;
    final List<String> pods = new ArrayList<>();

    NodeState(int id, Node node, TopologyTable topology, int[] modelId) {
        this.id = id;
        this.node = node;
        this.topology = topology;
        this.gpuCount = node.gpus().size();
        this.cardMemory = new long[gpuCount];
        this.modelId = modelId;
        this.coreFree = new int[gpuCount];
        this.cardMemFree = new long[gpuCount];
        long mem = 0;
        for (Gpu g : node.gpus()) {
            cardMemory[g.index()] = g.memoryMiB();
            coreFree[g.index()] = Gpu.COMPUTE_MILLI;
            cardMemFree[g.index()] = g.memoryMiB();
            mem += g.memoryMiB();
        }
        this.gpuMemoryCapacity = mem;
        long maxCard = 0;
        for (long m : cardMemory) maxCard = Math.max(maxCard, m);
        this.maxCardMemory = maxCard;
        String ds = node.labels().get(NodeLabels.DATASETS);
        Set<String> set = new HashSet<>();
        if (ds != null) for (String d : ds.split(",")) if (!d.isBlank()) set.add(d.trim());
        this.datasets = Set.copyOf(set);
        this.allCards = gpuCount == 32 ? -1 : (1 << gpuCount) - 1;
        this.healthyMask = allCards;
        this.cpuFree = node.cpuMilli();
        this.memFree = node.memoryMiB();
        recompute();
    }

    /** Refreshes the aggregates from the per-card values: O(cards on this node). */
    void recompute() {
        changes++;
        int full = 0, maxCore = 0;
        long maxMem = 0, milli = 0, gmem = 0, models = 0;
        int homo = -2;
        for (int i = 0; i < gpuCount; i++) {
            if ((healthyMask & (1 << i)) == 0) continue;
            int c = coreFree[i];
            long m = cardMemFree[i];
            if (c == Gpu.COMPUTE_MILLI && m == cardMemory[i]) full |= 1 << i;
            if (c > maxCore) maxCore = c;
            if (m > maxMem) maxMem = m;
            milli += c;
            gmem += m;
            models |= 1L << modelId[i];
            homo = homo == -2 ? modelId[i] : (homo == modelId[i] ? homo : -1);
        }
        fullFreeMask = full;
        maxCoreFree = maxCore;
        maxMemFree = maxMem;
        freeGpuMilli = milli;
        freeGpuMemory = gmem;
        modelMask = models;
        homogeneousModel = homo < 0 ? -1 : homo;
    }

    public int id() { return id; }
    /** Grows with every change of the node's free resources or GPU health: equal counts, unchanged node. */
    public long changes() { return changes; }
    public Node node() { return node; }
    public String name() { return node.name(); }
    public TopologyTable topology() { return topology; }
    public int gpuCount() { return gpuCount; }
    public long cpuFree() { return cpuFree; }
    public long memoryFree() { return memFree; }
    public int coreFree(int card) { return coreFree[card]; }
    public long memoryFree(int card) { return cardMemFree[card]; }
    public long cardMemory(int card) { return cardMemory[card]; }
    public int modelId(int card) { return modelId[card]; }
    public boolean healthy(int card) { return (healthyMask & (1 << card)) != 0; }
    /** Healthy cards, one bit per index. */
    public int healthyMask() { return healthyMask; }
    /** Healthy cards with nothing on them. */
    public int fullFreeMask() { return fullFreeMask; }
    /** Largest free compute on one healthy card, milli. */
    public int maxCoreFree() { return maxCoreFree; }
    /** Largest free memory on one healthy card, MiB. */
    public long maxMemoryFreeOnCard() { return maxMemFree; }
    /** Free compute summed over healthy cards, milli. */
    public long freeGpuMilli() { return freeGpuMilli; }
    /** Free GPU memory summed over healthy cards, MiB. */
    public long freeGpuMemory() { return freeGpuMemory; }
    public long gpuMilliCapacity() { return (long) gpuCount * Gpu.COMPUTE_MILLI; }
    public long gpuMemoryCapacity() { return gpuMemoryCapacity; }
    /** Memory of the node's largest card, MiB. */
    public long maxCardMemory() { return maxCardMemory; }
    /** Whether the node caches {@code dataset} (label {@link NodeLabels#DATASETS}). */
    public boolean cachesDataset(String dataset) { return dataset != null && datasets.contains(dataset); }
    /** Bit per model id among healthy cards. */
    public long modelMask() { return modelMask; }

    /** Cards (all, healthy or not) whose model bit is in {@code models}; {@code -1L} means any model. */
    public int cardsOfModels(long models) {
        if (models == -1L) return allCards;
        if (homogeneousModel >= 0 && healthyMask == allCards) {
            return (models & (1L << homogeneousModel)) != 0 ? allCards : 0;
        }
        int mask = 0;
        for (int i = 0; i < gpuCount; i++) if ((models & (1L << modelId[i])) != 0) mask |= 1 << i;
        return mask;
    }

    /** Pods placed here (assumed or bound), in placement order. */
    public List<String> pods() {
        return Collections.unmodifiableList(pods);
    }
}
