package io.gpufleet.scheduler.state;

import io.gpufleet.contracts.GpuAssignment;
import io.gpufleet.scheduler.allocator.TopologyTable;
import io.gpufleet.scheduler.model.Allocation;
import io.gpufleet.scheduler.model.Gpu;
import io.gpufleet.scheduler.model.Node;
import io.gpufleet.scheduler.model.Request;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cluster as the scheduler sees it: nodes, their free capacity per card, and every placed pod.
 *
 * <p>{@link #assume} is the only way capacity is taken and it checks every card, the node's CPU and memory before
 * changing anything, so the state can never be over-committed: a failing assume throws and leaves the state as it
 * was. {@link #forget} gives back exactly what the allocation took. Not thread-safe: one scheduling loop owns it.
 */
public final class ClusterState {
    /** One placed pod. */
    public record Placement(Allocation allocation, int nodeId, boolean bound) {}

    private final List<NodeState> nodes = new ArrayList<>();
    private final Map<String, NodeState> byName = new HashMap<>();
    private final Map<String, int[]> byUuid = new HashMap<>();
    private final Map<String, Integer> modelIds = new LinkedHashMap<>();
    private final Map<String, TopologyTable> topologies = new HashMap<>();
    private final Map<String, Placement> placements = new LinkedHashMap<>();
    private long cpuCapacity, memCapacity, gpuMilliCapacity, gpuMemCapacity;
    private long cpuUsed, memUsed, gpuMilliUsed, gpuMemUsed;
    // Cluster-wide counts for early exits: nodes by number of free whole GPUs, and by largest free compute on one
    // card in 50-milli buckets. Kept exact on every node change.
    private final int[] nodesByFreeWhole = new int[Node.MAX_GPUS + 1];
    private final int[] nodesByMaxCore = new int[Gpu.COMPUTE_MILLI / CORE_BUCKET + 1];
    private static final int CORE_BUCKET = 50;

    /** Adds a node (all GPUs healthy and free). */
    public NodeState addNode(Node node) {
        if (byName.containsKey(node.name())) throw new IllegalArgumentException("node " + node.name() + " already exists");
        for (Gpu g : node.gpus()) {
            if (byUuid.containsKey(g.uuid())) throw new IllegalArgumentException("GPU uuid " + g.uuid() + " already exists");
        }
        int[] models = new int[node.gpus().size()];
        for (Gpu g : node.gpus()) {
            Integer id = modelIds.get(g.model());
            if (id == null) {
                if (modelIds.size() == 63) throw new IllegalArgumentException("more than 63 GPU models in one cluster");
                id = modelIds.size();
                modelIds.put(g.model(), id);
            }
            models[g.index()] = id;
        }
        TopologyTable topo = topologies.computeIfAbsent(TopologyTable.signature(node), k -> new TopologyTable(node.gpus()));
        NodeState s = new NodeState(nodes.size(), node, topo, models);
        nodes.add(s);
        count(s, 1);
        byName.put(node.name(), s);
        for (Gpu g : node.gpus()) byUuid.put(g.uuid(), new int[] {s.id(), g.index()});
        cpuCapacity += node.cpuMilli();
        memCapacity += node.memoryMiB();
        gpuMilliCapacity += s.gpuMilliCapacity();
        gpuMemCapacity += s.gpuMemoryCapacity();
        return s;
    }

    private void refresh(NodeState n) {
        count(n, -1);
        n.recompute();
        count(n, 1);
    }

    private void count(NodeState n, int delta) {
        nodesByFreeWhole[Integer.bitCount(n.fullFreeMask())] += delta;
        nodesByMaxCore[n.maxCoreFree() / CORE_BUCKET] += delta;
    }

    /** Whether some node has at least {@code k} free whole healthy GPUs (any model): O(GPUs per node). */
    public boolean anyNodeWithFreeWholeGpus(int k) {
        for (int i = Math.max(k, 0); i < nodesByFreeWhole.length; i++) if (nodesByFreeWhole[i] > 0) return true;
        return false;
    }

    /** Whether some node may have a healthy GPU with {@code core} milli free (upper bound, 50-milli buckets). */
    public boolean anyNodeWithCoreFree(int core) {
        for (int i = core / CORE_BUCKET; i < nodesByMaxCore.length; i++) if (nodesByMaxCore[i] > 0) return true;
        return false;
    }

    public int size() { return nodes.size(); }
    public NodeState node(int id) { return nodes.get(id); }
    public NodeState node(String name) { return byName.get(name); }
    public List<NodeState> nodes() { return Collections.unmodifiableList(nodes); }

    /** Id of a GPU model, -1 when no node has it. */
    public int modelId(String model) {
        Integer id = modelIds.get(model);
        return id == null ? -1 : id;
    }

    public long cpuCapacity() { return cpuCapacity; }
    public long memoryCapacity() { return memCapacity; }
    public long gpuMilliCapacity() { return gpuMilliCapacity; }
    public long gpuMemoryCapacity() { return gpuMemCapacity; }
    public long cpuUsed() { return cpuUsed; }
    public long memoryUsed() { return memUsed; }
    public long gpuMilliUsed() { return gpuMilliUsed; }
    public long gpuMemoryUsed() { return gpuMemUsed; }

    /** Why the allocation cannot be taken now, or {@code null} when it fits. */
    public String checkFits(Allocation a) {
        return checkFits(a, true);
    }

    private String checkFits(Allocation a, boolean requireHealthy) {
        NodeState n = byName.get(a.node());
        if (n == null) return "node " + a.node() + " is unknown";
        if (placements.containsKey(a.pod())) return "pod " + a.pod() + " is already placed";
        Request r = a.request();
        if (r.cpuMilli() > n.cpuFree) return "node " + n.name() + ": cpu " + r.cpuMilli() + " > free " + n.cpuFree;
        if (r.memoryMiB() > n.memFree) return "node " + n.name() + ": memory " + r.memoryMiB() + " > free " + n.memFree;
        if (a.gpus().size() != r.gpuCount()) return "pod " + a.pod() + ": " + a.gpus().size() + " GPUs assigned, " + r.gpuCount() + " asked";
        int seen = 0;
        for (GpuAssignment.Share s : a.gpus()) {
            int i = s.index();
            if (i < 0 || i >= n.gpuCount()) return "node " + n.name() + " has no GPU " + i;
            if (!n.node().gpus().get(i).uuid().equals(s.uuid())) return "GPU " + i + " of " + n.name() + " is not " + s.uuid();
            if ((seen & (1 << i)) != 0) return "GPU " + i + " assigned twice";
            seen |= 1 << i;
            if (requireHealthy && !n.healthy(i)) return "GPU " + i + " of " + n.name() + " is unhealthy";
            if (s.coreMilli() > n.coreFree[i]) return "GPU " + i + " of " + n.name() + ": compute " + s.coreMilli() + " > free " + n.coreFree[i];
            if (s.memoryMiB() > n.cardMemFree[i]) return "GPU " + i + " of " + n.name() + ": memory " + s.memoryMiB() + " > free " + n.cardMemFree[i];
        }
        return null;
    }

    /**
     * Takes the allocation's capacity (a reservation, not yet bound).
     *
     * @throws IllegalStateException when it does not fit; nothing is changed then
     */
    public void assume(Allocation a) {
        take(a, true, false);
    }

    /**
     * Puts back a placement that {@link #forget} just removed (preemption trials): like {@link #assume} but it
     * accepts unhealthy cards (the pod was already there) and keeps the bound flag.
     *
     * @throws IllegalStateException when it does not fit; nothing is changed then
     */
    public void restore(Placement p) {
        take(p.allocation(), false, p.bound());
    }

    private void take(Allocation a, boolean requireHealthy, boolean bound) {
        String why = checkFits(a, requireHealthy);
        if (why != null) throw new IllegalStateException(why);
        NodeState n = byName.get(a.node());
        Request r = a.request();
        n.cpuFree -= r.cpuMilli();
        n.memFree -= r.memoryMiB();
        for (GpuAssignment.Share s : a.gpus()) {
            n.coreFree[s.index()] -= s.coreMilli();
            n.cardMemFree[s.index()] -= s.memoryMiB();
        }
        refresh(n);
        n.pods.add(a.pod());
        placements.put(a.pod(), new Placement(a, n.id(), bound));
        cpuUsed += r.cpuMilli();
        memUsed += r.memoryMiB();
        gpuMilliUsed += a.gpuMilli();
        gpuMemUsed += a.gpuMemoryMiB();
    }

    /** Marks an assumed pod as bound. */
    public void bind(String pod) {
        Placement p = placements.get(pod);
        if (p == null) throw new IllegalStateException("pod " + pod + " is not placed");
        placements.put(pod, new Placement(p.allocation(), p.nodeId(), true));
    }

    /** Gives back what the pod holds; returns its allocation, or {@code null} when it was not placed. */
    public Allocation forget(String pod) {
        Placement p = placements.remove(pod);
        if (p == null) return null;
        Allocation a = p.allocation();
        NodeState n = nodes.get(p.nodeId());
        n.cpuFree += a.request().cpuMilli();
        n.memFree += a.request().memoryMiB();
        for (GpuAssignment.Share s : a.gpus()) {
            n.coreFree[s.index()] += s.coreMilli();
            n.cardMemFree[s.index()] += s.memoryMiB();
        }
        refresh(n);
        n.pods.remove(pod);
        cpuUsed -= a.request().cpuMilli();
        memUsed -= a.request().memoryMiB();
        gpuMilliUsed -= a.gpuMilli();
        gpuMemUsed -= a.gpuMemoryMiB();
        return a;
    }

    public Placement placement(String pod) { return placements.get(pod); }
    public Collection<Placement> placements() { return Collections.unmodifiableCollection(placements.values()); }
    public int placedCount() { return placements.size(); }

    /**
     * Marks a GPU healthy or not. An unhealthy GPU leaves the pool at once (no new pod lands on it); the pods that
     * sit on it are returned so the caller can evict or report them.
     */
    public List<Allocation> setGpuHealth(String nodeName, int index, boolean healthy) {
        NodeState n = byName.get(nodeName);
        if (n == null) throw new IllegalArgumentException("node " + nodeName + " is unknown");
        if (index < 0 || index >= n.gpuCount()) throw new IllegalArgumentException("node " + nodeName + " has no GPU " + index);
        if (healthy) n.healthyMask |= 1 << index;
        else n.healthyMask &= ~(1 << index);
        refresh(n);
        return podsOn(n, 1 << index);
    }

    /** Same as {@link #setGpuHealth(String, int, boolean)} by GPU UUID. */
    public List<Allocation> setGpuHealth(String uuid, boolean healthy) {
        int[] at = byUuid.get(uuid);
        if (at == null) throw new IllegalArgumentException("GPU uuid " + uuid + " is unknown");
        return setGpuHealth(nodes.get(at[0]).name(), at[1], healthy);
    }

    /** Every placed pod holding a share of an unhealthy GPU. */
    public List<Allocation> podsOnUnhealthyGpus() {
        List<Allocation> out = new ArrayList<>();
        for (NodeState n : nodes) {
            int bad = ~n.healthyMask;
            if (n.gpuCount() < 32) bad &= (1 << n.gpuCount()) - 1;
            if (bad != 0) out.addAll(podsOn(n, bad));
        }
        return out;
    }

    private List<Allocation> podsOn(NodeState n, int cards) {
        List<Allocation> out = new ArrayList<>();
        for (String pod : n.pods) {
            Allocation a = placements.get(pod).allocation();
            for (GpuAssignment.Share s : a.gpus()) {
                if ((cards & (1 << s.index())) != 0) {
                    out.add(a);
                    break;
                }
            }
        }
        return out;
    }
}
