package io.gpufleet.scheduler.faults;

import io.gpufleet.contracts.GpuFault;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Fault → GPU health bookkeeping, without I/O: per GPU the set of active fault ids that took it out of service.
 * A GPU turns unhealthy with its first such fault and healthy again when the last one is resolved. Faults that do
 * not take a GPU out of service (application XIDs, slowdowns, memory breaches, idle allocations) change nothing.
 * Replays and duplicates are harmless: an id already active, or a resolution of an id not known, is a no-op, so
 * the whole topic can be read again from the start.
 */
public final class FaultHealthBook {

    /** Fault kinds that take a GPU out of service. */
    public static final Set<GpuFault.Kind> OUT_OF_SERVICE = EnumSet.of(GpuFault.Kind.XID_RESET_GPU,
            GpuFault.Kind.XID_REBOOT_NODE, GpuFault.Kind.ECC_DOUBLE_BIT, GpuFault.Kind.ROW_REMAP_FAILURE,
            GpuFault.Kind.GPU_STOPPED_REPORTING, GpuFault.Kind.NODE_UNREACHABLE);

    /** One GPU of one node. */
    public record GpuKey(String node, int gpu) {}

    /** A health transition to apply to the scheduler; {@code faultId} is the fault that caused it. */
    public record Change(String node, int gpu, boolean healthy, String faultId) {}

    /** Active fault ids per GPU (only GPUs with at least one). */
    private final Map<GpuKey, Set<String>> activeByGpu = new HashMap<>();
    /** The GPUs each active fault took out, so its resolution frees exactly those even if the node changed since. */
    private final Map<String, List<GpuKey>> gpusByFault = new HashMap<>();
    /** Active faults of a whole node, by node: they also take GPUs the node shows later ({@link #expandNode}). */
    private final Map<String, Set<String>> wholeNodeFaults = new HashMap<>();

    /**
     * Records {@code fault} and returns the health transitions it causes (empty when none).
     *
     * @param gpusOfNode indices of the node's GPUs, for faults of the whole node (empty when the node is unknown)
     */
    public List<Change> apply(GpuFault fault, Function<String, List<Integer>> gpusOfNode) {
        if (!OUT_OF_SERVICE.contains(fault.kind())) return List.of();
        List<Change> out = new ArrayList<>();
        if (fault.isActive()) {
            if (gpusByFault.containsKey(fault.id())) return List.of();
            List<GpuKey> keys = new ArrayList<>();
            if (fault.gpu() == -1 || fault.kind() == GpuFault.Kind.NODE_UNREACHABLE) {
                for (int i : gpusOfNode.apply(fault.node())) keys.add(new GpuKey(fault.node(), i));
                wholeNodeFaults.computeIfAbsent(fault.node(), n -> new LinkedHashSet<>()).add(fault.id());
            } else {
                keys.add(new GpuKey(fault.node(), fault.gpu()));
            }
            gpusByFault.put(fault.id(), keys);
            for (GpuKey k : keys) {
                Set<String> ids = activeByGpu.computeIfAbsent(k, x -> new LinkedHashSet<>());
                if (ids.isEmpty()) out.add(new Change(k.node(), k.gpu(), false, fault.id()));
                ids.add(fault.id());
            }
        } else {
            List<GpuKey> keys = gpusByFault.remove(fault.id());
            if (keys == null) return List.of();
            Set<String> whole = wholeNodeFaults.get(fault.node());
            if (whole != null && whole.remove(fault.id()) && whole.isEmpty()) wholeNodeFaults.remove(fault.node());
            for (GpuKey k : keys) {
                Set<String> ids = activeByGpu.get(k);
                if (ids == null) continue;
                ids.remove(fault.id());
                if (ids.isEmpty()) {
                    activeByGpu.remove(k);
                    out.add(new Change(k.node(), k.gpu(), true, fault.id()));
                }
            }
        }
        return out;
    }

    /**
     * The node now shows {@code gpus} (it joined late, or came back): active faults of the whole node take the
     * GPUs they did not cover yet. Returns the GPUs that go out of service because of it.
     */
    public List<Change> expandNode(String node, List<Integer> gpus) {
        Set<String> whole = wholeNodeFaults.get(node);
        if (whole == null) return List.of();
        List<Change> out = new ArrayList<>();
        for (String id : whole) {
            List<GpuKey> keys = gpusByFault.get(id);
            for (int i : gpus) {
                GpuKey k = new GpuKey(node, i);
                if (keys.contains(k)) continue;
                keys.add(k);
                Set<String> ids = activeByGpu.computeIfAbsent(k, x -> new LinkedHashSet<>());
                if (ids.isEmpty()) out.add(new Change(node, i, false, id));
                ids.add(id);
            }
        }
        return out;
    }

    /** Nodes with at least one active out-of-service fault, or a GPU held by one. */
    public Set<String> faultyNodes() {
        Set<String> out = new TreeSet<>(wholeNodeFaults.keySet());
        for (GpuKey k : activeByGpu.keySet()) out.add(k.node());
        return out;
    }

    /** Active fault ids holding this GPU out of service (empty when it is healthy as far as faults go). */
    public Set<String> activeFaults(String node, int gpu) {
        Set<String> ids = activeByGpu.get(new GpuKey(node, gpu));
        return ids == null ? Set.of() : Set.copyOf(ids);
    }

    /** GPUs held out of service by at least one fault, sorted by node then index. */
    public List<GpuKey> unhealthyGpus() {
        TreeSet<GpuKey> s = new TreeSet<>((a, b) -> a.node().equals(b.node()) ? Integer.compare(a.gpu(), b.gpu())
                : a.node().compareTo(b.node()));
        s.addAll(activeByGpu.keySet());
        return List.copyOf(s);
    }

    /** The GPUs an active fault holds out of service (empty when it is not active or not out-of-service). */
    public List<GpuKey> gpusOf(String faultId) {
        List<GpuKey> keys = gpusByFault.get(faultId);
        return keys == null ? List.of() : List.copyOf(keys);
    }

    /** Number of active out-of-service faults. */
    public int activeFaultCount() {
        return gpusByFault.size();
    }
}
