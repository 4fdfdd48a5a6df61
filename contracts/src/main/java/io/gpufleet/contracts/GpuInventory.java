package io.gpufleet.contracts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;

/**
 * A node's GPUs and how they are wired, as the exporter DaemonSet writes it to the node annotation
 * {@value ResourceNames#GPU_INVENTORY_ANNOTATION} and the scheduler reads it in Kubernetes mode: a JSON list with
 * one entry per GPU, e.g. {@code [{"uuid":"GPU-…","index":0,"model":"NVIDIA H100 80GB HBM3","memoryMiB":81559,
 * "numaNode":0,"pcieSwitch":0,"nvlinkPeers":{"1":18,"2":18},"rdmaNic":null}]}.
 */
public final class GpuInventory {
    private GpuInventory() {}

    /**
     * @param pcieSwitch  GPUs with the same number sit under one PCIe switch
     * @param nvlinkPeers peer GPU index → NVLink count
     * @param rdmaNic     the RDMA NIC on the same switch, or null when unknown
     */
    public record Entry(String uuid, int index, String model, long memoryMiB, int numaNode, int pcieSwitch,
                        Map<Integer, Integer> nvlinkPeers, String rdmaNic) {
        public Entry {
            nvlinkPeers = nvlinkPeers == null ? Map.of() : Map.copyOf(nvlinkPeers);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    public static String toJson(List<Entry> entries) {
        try {
            return JSON.writeValueAsString(entries);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode GPU inventory", e);
        }
    }

    /** @throws IllegalArgumentException saying what is wrong when the value is not a GPU list */
    public static List<Entry> parse(String json) {
        try {
            return JSON.readValue(json, new TypeReference<List<Entry>>() {});
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(ResourceNames.GPU_INVENTORY_ANNOTATION + " is not a GPU list: "
                    + e.getOriginalMessage(), e);
        }
    }
}
