package io.gpufleet.platform.up;

import io.gpufleet.contracts.GpuInventory;
import io.gpufleet.exporter.inventory.InventoryBuilder;
import io.gpufleet.exporter.sim.SimulatedFleet;
import io.gpufleet.exporter.sim.SimulatedNode;
import io.gpufleet.exporter.source.GpuIdentity;
import io.gpufleet.exporter.source.GpuReading;
import io.gpufleet.scheduler.api.SchedulerService;
import io.gpufleet.scheduler.model.Gpu;
import io.gpufleet.scheduler.model.Node;
import io.gpufleet.scheduler.quota.QuotaSpec;
import io.gpufleet.scheduler.quota.Resources;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The scheduler's view of {@code fleet up}'s simulated fleet, and the default quota groups.
 *
 * <p>Nodes are described exactly as the exporter DaemonSet describes a real node to the scheduler in Kubernetes
 * mode (the {@code gpufleet.io/gpus} inventory: same UUIDs, models, memory, NVLink peers and PCIe switches), so
 * what the scheduler places is what the exporters then report.
 */
public final class ClusterModel {
    private ClusterModel() {}

    /** Allocatable CPU and memory per GPU of a simulated node (the fleet models GPUs only). */
    static final long CPU_MILLI_PER_GPU = 16_000, MEMORY_MIB_PER_GPU = 128 * 1024;

    /** The fleet's nodes as scheduler nodes. Reads each GPU once (for its memory size). */
    public static List<Node> nodes(SimulatedFleet fleet) {
        List<Node> out = new ArrayList<>(fleet.nodes().size());
        for (SimulatedNode n : fleet.nodes()) {
            Map<Integer, GpuReading> readings = new HashMap<>();
            for (GpuIdentity g : n.gpus()) readings.put(g.index(), n.read(g));
            List<Gpu> gpus = new ArrayList<>();
            for (GpuInventory.Entry e : InventoryBuilder.build(n.gpus(), readings, n.topology())) {
                gpus.add(new Gpu(e.uuid(), e.index(), e.model(), e.memoryMiB(), e.numaNode(), e.pcieSwitch(),
                        e.nvlinkPeers(), e.rdmaNic()));
            }
            int count = gpus.size();
            out.add(new Node(n.node(), CPU_MILLI_PER_GPU * count, MEMORY_MIB_PER_GPU * count, Map.of(), gpus));
        }
        return out;
    }

    /** A quota group of the default configuration: fractions of the fleet's GPUs. */
    public record Group(String name, String parent, String namespace, double min, double max) {}

    /**
     * The default quota configuration of {@code fleet up} (documented in platform/README.md): the scheduler's
     * embedded tree ({@code research} with {@code team-a} and {@code team-b}) plus {@code inference} for the
     * autoscaled deployment. Each group but {@code research} governs the namespace of its name, so the
     * analytics job (which groups usage by namespace) and the scheduler agree on the names.
     */
    public static final List<Group> DEFAULT_QUOTAS = List.of(
            new Group("research", null, null, 0.50, 1.00),
            new Group("team-a", "research", "team-a", 0.25, 0.75),
            new Group("team-b", "research", "team-b", 0.25, 0.75),
            new Group("inference", null, "inference", 0.25, 0.50));

    /** The groups sized for {@code gpus} GPUs (min rounded down, max rounded up, at least one GPU each). */
    public static List<SchedulerService.QuotaEntry> quotas(List<Group> groups, long gpus) {
        List<SchedulerService.QuotaEntry> out = new ArrayList<>();
        for (Group g : groups) {
            long min = (long) Math.floor(g.min() * gpus);
            Resources max = g.max() >= 1 ? Resources.UNLIMITED
                    : new Resources(Math.max(1, (long) Math.ceil(g.max() * gpus)) * Gpu.COMPUTE_MILLI, Long.MAX_VALUE, Long.MAX_VALUE);
            out.add(new SchedulerService.QuotaEntry(new QuotaSpec(g.name(), g.parent(), Resources.ofGpus(min, 0, 0), max),
                    g.namespace()));
        }
        return out;
    }
}
