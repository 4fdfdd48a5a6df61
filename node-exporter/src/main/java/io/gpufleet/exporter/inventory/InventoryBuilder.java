package io.gpufleet.exporter.inventory;

import io.gpufleet.contracts.GpuInventory;
import io.gpufleet.exporter.source.GpuField;
import io.gpufleet.exporter.source.GpuIdentity;
import io.gpufleet.exporter.source.GpuPair;
import io.gpufleet.exporter.source.GpuReading;
import io.gpufleet.exporter.source.PathLevel;
import io.gpufleet.exporter.source.Topology;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the node's {@link GpuInventory} from what the exporter read: identity, memory and topology. Pure.
 *
 * <p>PCIe switches are not named by NVML; GPUs whose common ancestor is a single bridge (PIX) share one, so the
 * switch number is the smallest GPU index of each such group (a GPU alone under its switch gets its own index).
 */
public final class InventoryBuilder {
    private InventoryBuilder() {}

    public static List<GpuInventory.Entry> build(List<GpuIdentity> gpus, Map<Integer, GpuReading> readings,
                                                 Topology topology) {
        Map<Integer, Integer> sw = new HashMap<>();
        for (GpuIdentity g : gpus) sw.put(g.index(), g.index());
        Map<Integer, Map<Integer, Integer>> peers = new HashMap<>();
        // Two passes of union by smallest index suffice for groups; iterate until stable to be safe with any order.
        boolean changed = true;
        while (changed) {
            changed = false;
            for (GpuPair p : topology.pairs()) {
                if (p.level() != PathLevel.PIX || !sw.containsKey(p.a()) || !sw.containsKey(p.b())) continue;
                int min = Math.min(sw.get(p.a()), sw.get(p.b()));
                if (sw.get(p.a()) != min || sw.get(p.b()) != min) {
                    sw.put(p.a(), min);
                    sw.put(p.b(), min);
                    changed = true;
                }
            }
        }
        for (GpuPair p : topology.pairs()) {
            if (p.level() != PathLevel.NV) continue;
            peers.computeIfAbsent(p.a(), k -> new HashMap<>()).put(p.b(), p.nvLinks());
            peers.computeIfAbsent(p.b(), k -> new HashMap<>()).put(p.a(), p.nvLinks());
        }
        List<GpuInventory.Entry> out = new ArrayList<>(gpus.size());
        for (GpuIdentity g : gpus) {
            GpuReading r = readings.get(g.index());
            double bytes = r == null ? Double.NaN : r.value(GpuField.MEMORY_TOTAL_BYTES);
            long mib = Double.isNaN(bytes) ? 0 : (long) (bytes / (1024 * 1024));
            out.add(new GpuInventory.Entry(g.uuid(), g.index(), g.model(), mib, Math.max(g.numaNode(), 0),
                    sw.get(g.index()), peers.getOrDefault(g.index(), Map.of()), null));
        }
        return out;
    }
}
