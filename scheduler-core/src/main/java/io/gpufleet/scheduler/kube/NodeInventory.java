package io.gpufleet.scheduler.kube;

import io.fabric8.kubernetes.api.model.Quantity;
import io.gpufleet.scheduler.model.Gpu;
import io.gpufleet.scheduler.model.Node;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Kubernetes node as the scheduler's {@link Node}. The GPU inventory and topology come from the annotation
 * {@value #GPUS_ANNOTATION} that the exporter DaemonSet writes (a JSON list, one entry per GPU:
 * {@code uuid, index, model, memoryMiB, numaNode, pcieSwitch, nvlinkPeers {peer: links}, rdmaNic}). Without it,
 * the node's allocatable {@code nvidia.com/gpu} and GPU feature discovery labels ({@value #GFD_PRODUCT},
 * {@value #GFD_MEMORY} in MiB) describe PCIe-only cards named {@code <node>-gpu-<i>}.
 */
public final class NodeInventory {
    private NodeInventory() {}

    public static final String GPUS_ANNOTATION = io.gpufleet.contracts.ResourceNames.GPU_INVENTORY_ANNOTATION;
    public static final String GFD_PRODUCT = "nvidia.com/gpu.product";
    public static final String GFD_MEMORY = "nvidia.com/gpu.memory";



    /**
     * @throws IllegalArgumentException naming the node and field when the inventory is unusable
     */
    public static Node toNode(io.fabric8.kubernetes.api.model.Node k) {
        String name = k.getMetadata().getName();
        Map<String, Quantity> alloc = k.getStatus() == null || k.getStatus().getAllocatable() == null
                ? Map.of() : k.getStatus().getAllocatable();
        long cpu = alloc.containsKey("cpu") ? alloc.get("cpu").getNumericalAmount().multiply(BigDecimal.valueOf(1000)).longValue() : 0;
        long mem = alloc.containsKey("memory") ? Quantity.getAmountInBytes(alloc.get("memory")).longValue() >> 20 : 0;
        Map<String, String> labels = k.getMetadata().getLabels() == null ? Map.of() : k.getMetadata().getLabels();
        Map<String, String> ann = k.getMetadata().getAnnotations() == null ? Map.of() : k.getMetadata().getAnnotations();
        List<Gpu> gpus = new ArrayList<>();
        String inv = ann.get(GPUS_ANNOTATION);
        if (inv != null) {
            List<io.gpufleet.contracts.GpuInventory.Entry> entries;
            try {
                entries = io.gpufleet.contracts.GpuInventory.parse(inv);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("node " + name + ": " + e.getMessage(), e);
            }
            for (io.gpufleet.contracts.GpuInventory.Entry g : entries) {
                gpus.add(new Gpu(g.uuid(), g.index(), g.model() == null ? "unknown" : g.model(), g.memoryMiB(), g.numaNode(),
                        g.pcieSwitch(), g.nvlinkPeers(), g.rdmaNic()));
            }
            gpus.sort((a, b) -> Integer.compare(a.index(), b.index()));
        } else if (alloc.containsKey("nvidia.com/gpu")) {
            int count = alloc.get("nvidia.com/gpu").getNumericalAmount().intValue();
            String model = labels.getOrDefault(GFD_PRODUCT, "unknown");
            long memMiB;
            try {
                memMiB = Long.parseLong(labels.getOrDefault(GFD_MEMORY, "16384"));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("node " + name + ": label " + GFD_MEMORY + " is not MiB");
            }
            for (int i = 0; i < count; i++) gpus.add(new Gpu(name + "-gpu-" + i, i, model, memMiB, 0, i, Map.of(), null));
        }
        return new Node(name, cpu, mem, labels, gpus);
    }

    /** Whether the node takes pods: not cordoned, and Ready when it reports conditions. */
    public static boolean schedulable(io.fabric8.kubernetes.api.model.Node k) {
        if (k.getSpec() != null && Boolean.TRUE.equals(k.getSpec().getUnschedulable())) return false;
        if (k.getStatus() == null || k.getStatus().getConditions() == null || k.getStatus().getConditions().isEmpty()) return true;
        return k.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType())).allMatch(c -> "True".equals(c.getStatus()));
    }
}
