package io.gpufleet.exporter.metrics;

import io.gpufleet.exporter.source.GpuField;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one table of gpufleet's per-GPU metric names: for every {@link GpuField}, the native name (base
 * units, Prometheus naming), extra constant labels that fold related fields into one metric (e.g. ECC
 * {@code type} and {@code counter}), and the dcgm-exporter name with the factor from base units to DCGM's
 * units. Exposition, OTLP and Kafka publishers all read names from here.
 */
public final class MetricCatalog {
    private MetricCatalog() {}

    public enum Type { GAUGE, COUNTER }

    /**
     * @param field       the source quantity
     * @param name        native metric name; for counters without the {@code _total} suffix (the exposition adds it)
     * @param help        one-line help
     * @param type        gauge or counter
     * @param labels      constant label pairs distinguishing this field within {@code name} (k1, v1, k2, v2 …)
     * @param dcgmName    dcgm-exporter name, or null when DCGM has none
     * @param dcgmFactor  multiply the base-unit value by this for the DCGM metric (e.g. bytes → MiB)
     */
    public record Spec(GpuField field, String name, String help, Type type, List<String> labels, String dcgmName,
                       double dcgmFactor) {
        /** The name as it appears on the wire (counters end with {@code _total}). */
        public String exposedName() {
            return type == Type.COUNTER ? name + "_total" : name;
        }
    }

    private static final double MIB = 1.0 / (1024 * 1024);
    private static final Map<GpuField, Spec> SPECS = new EnumMap<>(GpuField.class);

    private static void add(GpuField f, String name, String help, Type type, List<String> labels, String dcgm,
                            double factor) {
        SPECS.put(f, new Spec(f, name, help, type, labels, dcgm, factor));
    }

    static {
        var G = Type.GAUGE;
        var C = Type.COUNTER;
        add(GpuField.MEMORY_TOTAL_BYTES, "gpufleet_gpu_memory_total_bytes", "GPU framebuffer memory in total.", G, List.of(), "DCGM_FI_DEV_FB_TOTAL", MIB);
        add(GpuField.MEMORY_USED_BYTES, "gpufleet_gpu_memory_used_bytes", "GPU framebuffer memory in use.", G, List.of(), "DCGM_FI_DEV_FB_USED", MIB);
        add(GpuField.MEMORY_FREE_BYTES, "gpufleet_gpu_memory_free_bytes", "GPU framebuffer memory free.", G, List.of(), "DCGM_FI_DEV_FB_FREE", MIB);
        add(GpuField.MEMORY_RESERVED_BYTES, "gpufleet_gpu_memory_reserved_bytes", "GPU framebuffer memory reserved by the driver.", G, List.of(), "DCGM_FI_DEV_FB_RESERVED", MIB);
        add(GpuField.GPU_UTILIZATION_RATIO, "gpufleet_gpu_utilization_ratio", "Fraction of the sample period a kernel ran on the GPU.", G, List.of(), "DCGM_FI_DEV_GPU_UTIL", 100);
        add(GpuField.MEMORY_UTILIZATION_RATIO, "gpufleet_gpu_memory_utilization_ratio", "Fraction of the sample period device memory was read or written.", G, List.of(), "DCGM_FI_DEV_MEM_COPY_UTIL", 100);
        add(GpuField.GPU_TEMPERATURE_CELSIUS, "gpufleet_gpu_temperature_celsius", "GPU die temperature.", G, List.of("sensor", "gpu"), "DCGM_FI_DEV_GPU_TEMP", 1);
        add(GpuField.MEMORY_TEMPERATURE_CELSIUS, "gpufleet_gpu_temperature_celsius", "GPU die temperature.", G, List.of("sensor", "memory"), "DCGM_FI_DEV_MEMORY_TEMP", 1);
        add(GpuField.SLOWDOWN_TEMPERATURE_CELSIUS, "gpufleet_gpu_slowdown_temperature_celsius", "Temperature at which the GPU starts slowing down.", G, List.of(), "DCGM_FI_DEV_SLOWDOWN_TEMP", 1);
        add(GpuField.POWER_USAGE_WATTS, "gpufleet_gpu_power_usage_watts", "Power draw.", G, List.of(), "DCGM_FI_DEV_POWER_USAGE", 1);
        add(GpuField.POWER_LIMIT_WATTS, "gpufleet_gpu_power_limit_watts", "Enforced power limit.", G, List.of(), "DCGM_FI_DEV_POWER_MGMT_LIMIT", 1);
        add(GpuField.ENERGY_JOULES_TOTAL, "gpufleet_gpu_energy_joules", "Energy consumed since the driver loaded.", C, List.of(), "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", 1000);
        add(GpuField.SM_CLOCK_HERTZ, "gpufleet_gpu_clock_hertz", "Current clock frequency.", G, List.of("clock", "sm"), "DCGM_FI_DEV_SM_CLOCK", 1e-6);
        add(GpuField.MEMORY_CLOCK_HERTZ, "gpufleet_gpu_clock_hertz", "Current clock frequency.", G, List.of("clock", "memory"), "DCGM_FI_DEV_MEM_CLOCK", 1e-6);
        add(GpuField.PSTATE, "gpufleet_gpu_pstate", "Performance state, 0 (max) to 15 (min).", G, List.of(), "DCGM_FI_DEV_PSTATE", 1);
        add(GpuField.CLOCK_EVENT_REASONS, "gpufleet_gpu_clock_event_reasons", "Clock-event (throttle) reasons as NVML's bitmask.", G, List.of(), "DCGM_FI_DEV_CLOCK_THROTTLE_REASONS", 1);
        add(GpuField.ECC_SINGLE_BIT_VOLATILE_TOTAL, "gpufleet_gpu_ecc_errors", "ECC errors; volatile since the last driver load, aggregate over the GPU's life.", C, List.of("type", "single_bit", "counter", "volatile"), "DCGM_FI_DEV_ECC_SBE_VOL_TOTAL", 1);
        add(GpuField.ECC_DOUBLE_BIT_VOLATILE_TOTAL, "gpufleet_gpu_ecc_errors", "ECC errors; volatile since the last driver load, aggregate over the GPU's life.", C, List.of("type", "double_bit", "counter", "volatile"), "DCGM_FI_DEV_ECC_DBE_VOL_TOTAL", 1);
        add(GpuField.ECC_SINGLE_BIT_AGGREGATE_TOTAL, "gpufleet_gpu_ecc_errors", "ECC errors; volatile since the last driver load, aggregate over the GPU's life.", C, List.of("type", "single_bit", "counter", "aggregate"), "DCGM_FI_DEV_ECC_SBE_AGG_TOTAL", 1);
        add(GpuField.ECC_DOUBLE_BIT_AGGREGATE_TOTAL, "gpufleet_gpu_ecc_errors", "ECC errors; volatile since the last driver load, aggregate over the GPU's life.", C, List.of("type", "double_bit", "counter", "aggregate"), "DCGM_FI_DEV_ECC_DBE_AGG_TOTAL", 1);
        add(GpuField.RETIRED_PAGES_SINGLE_BIT, "gpufleet_gpu_retired_pages", "Memory pages retired (Volta and older).", G, List.of("cause", "multiple_single_bit"), "DCGM_FI_DEV_RETIRED_SBE", 1);
        add(GpuField.RETIRED_PAGES_DOUBLE_BIT, "gpufleet_gpu_retired_pages", "Memory pages retired (Volta and older).", G, List.of("cause", "double_bit"), "DCGM_FI_DEV_RETIRED_DBE", 1);
        add(GpuField.RETIRED_PAGES_PENDING, "gpufleet_gpu_retired_pages_pending", "1 when a page retirement waits for a driver reload.", G, List.of(), "DCGM_FI_DEV_RETIRED_PENDING", 1);
        add(GpuField.REMAPPED_ROWS_CORRECTABLE, "gpufleet_gpu_remapped_rows", "Memory rows remapped (Ampere and newer).", G, List.of("type", "correctable"), "DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS", 1);
        add(GpuField.REMAPPED_ROWS_UNCORRECTABLE, "gpufleet_gpu_remapped_rows", "Memory rows remapped (Ampere and newer).", G, List.of("type", "uncorrectable"), "DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS", 1);
        add(GpuField.ROW_REMAP_PENDING, "gpufleet_gpu_row_remap_pending", "1 when a row remap waits for the next GPU reset.", G, List.of(), "DCGM_FI_DEV_ROW_REMAP_PENDING", 1);
        add(GpuField.ROW_REMAP_FAILURE, "gpufleet_gpu_row_remap_failure", "1 when a row remap failed (an RMA criterion).", G, List.of(), "DCGM_FI_DEV_ROW_REMAP_FAILURE", 1);
        add(GpuField.PCIE_TX_BYTES_PER_SECOND, "gpufleet_gpu_pcie_throughput_bytes_per_second", "PCIe throughput, sampled over 20 ms.", G, List.of("direction", "tx"), "DCGM_FI_DEV_PCIE_TX_THROUGHPUT", 1.0 / 1024);
        add(GpuField.PCIE_RX_BYTES_PER_SECOND, "gpufleet_gpu_pcie_throughput_bytes_per_second", "PCIe throughput, sampled over 20 ms.", G, List.of("direction", "rx"), "DCGM_FI_DEV_PCIE_RX_THROUGHPUT", 1.0 / 1024);
        add(GpuField.PCIE_REPLAY_TOTAL, "gpufleet_gpu_pcie_replays", "PCIe replays (link retries) since the driver loaded.", C, List.of(), "DCGM_FI_DEV_PCIE_REPLAY_COUNTER", 1);
        add(GpuField.PCIE_LINK_GENERATION, "gpufleet_gpu_pcie_link_generation", "Current PCIe link generation.", G, List.of(), "DCGM_FI_DEV_PCIE_LINK_GEN", 1);
        add(GpuField.PCIE_LINK_WIDTH, "gpufleet_gpu_pcie_link_width", "Current PCIe link width (lanes).", G, List.of(), "DCGM_FI_DEV_PCIE_LINK_WIDTH", 1);
        add(GpuField.MIG_MODE, "gpufleet_gpu_mig_mode", "1 when MIG is enabled.", G, List.of(), "DCGM_FI_DEV_MIG_MODE", 1);
        add(GpuField.RECOVERY_ACTION, "gpufleet_gpu_recovery_action", "Driver-recommended recovery: 0 none, 1 GPU reset, 2 node reboot, 3 drain P2P, 4 drain and reset.", G, List.of(), null, 1);
        if (SPECS.size() != GpuField.count()) {
            throw new IllegalStateException("MetricCatalog misses a GpuField");
        }
    }

    public static Spec spec(GpuField f) {
        return SPECS.get(f);
    }

    public static List<Spec> all() {
        return List.copyOf(SPECS.values());
    }

    /** Specs grouped by native name, in catalogue order: one exposed metric family per group. */
    public static Map<String, List<Spec>> byNativeName() {
        Map<String, List<Spec>> out = new LinkedHashMap<>();
        for (Spec s : SPECS.values()) out.computeIfAbsent(s.name(), k -> new ArrayList<>()).add(s);
        out.replaceAll((k, v) -> Collections.unmodifiableList(v));
        return Collections.unmodifiableMap(out);
    }

    // Metrics that are not a single GpuField (per link, per reason, per XID, health, info): names here too.
    public static final String INFO = "gpufleet_gpu_info";
    public static final String HEALTH = "gpufleet_gpu_health";
    public static final String HEALTH_STATUS = "gpufleet_gpu_health_status";
    public static final String LOST = "gpufleet_gpu_lost";
    public static final String CLOCK_EVENT_ACTIVE = "gpufleet_gpu_clock_event_active";
    public static final String XID_ERRORS = "gpufleet_gpu_xid_errors";
    public static final String XID_LAST_SEEN = "gpufleet_gpu_xid_last_seen_timestamp_seconds";
    public static final String ECC_EVENTS = "gpufleet_gpu_ecc_events";
    /** NVLinks per GPU by state (active / inactive). */
    public static final String NVLINKS = "gpufleet_gpu_nvlinks";
    /** NVLink errors per GPU and type, summed over its links. */
    public static final String NVLINK_ERRORS = "gpufleet_gpu_nvlink_errors";
    /** NVLink errors per link and type; only links that have had errors (an 18-link GPU would add 72 zero series). */
    public static final String NVLINK_LINK_ERRORS = "gpufleet_gpu_nvlink_link_errors";
    public static final String PROCESS_MEMORY = "gpufleet_gpu_process_memory_used_bytes";
    public static final String POD_MEMORY_USED = "gpufleet_gpu_pod_memory_used_bytes";
    public static final String POD_MEMORY_SHARE = "gpufleet_gpu_pod_memory_share_bytes";
    public static final String POD_CORE_SHARE = "gpufleet_gpu_pod_core_share_ratio";
    /** NVLinks between two GPUs, one series per NVLink-connected unordered pair. */
    public static final String TOPOLOGY_NVLINKS = "gpufleet_gpu_topology_nvlinks";
    /** Per GPU and path level: how many other GPUs it reaches that way. */
    public static final String TOPOLOGY_PEERS = "gpufleet_gpu_topology_peers";
    public static final String FIELD_READ_ERRORS = "gpufleet_exporter_field_read_errors";
    public static final String FIELD_UNAVAILABLE = "gpufleet_gpu_field_unavailable";
    public static final String COLLECTION_DURATION = "gpufleet_exporter_collection_duration_seconds";
    public static final String COLLECTIONS = "gpufleet_exporter_collections";
    public static final String LAST_COLLECTION = "gpufleet_exporter_last_collection_timestamp_seconds";
    public static final String GPUS = "gpufleet_exporter_gpus";
    public static final String PUBLISHER_SENT = "gpufleet_exporter_publisher_sent";
    public static final String PUBLISHER_DROPPED = "gpufleet_exporter_publisher_dropped";
    public static final String PUBLISHER_BUFFERED = "gpufleet_exporter_publisher_buffered";
    public static final String PUBLISHER_CONNECTED = "gpufleet_exporter_publisher_connected";
    public static final String KUBERNETES_CONNECTED = "gpufleet_exporter_kubernetes_connected";
    public static final String KUBERNETES_ERRORS = "gpufleet_exporter_kubernetes_errors";
    public static final String KUBERNETES_PODS = "gpufleet_exporter_kubernetes_pods";
    public static final String ANNOTATION_ERRORS = "gpufleet_exporter_assignment_annotation_errors";
    public static final String UNATTRIBUTED_PROCESSES = "gpufleet_exporter_unattributed_processes";
    /** Per polled attribution source ({@code source} label, e.g. podresources). */
    public static final String ATTRIBUTION_ERRORS = "gpufleet_exporter_attribution_errors";
    public static final String ATTRIBUTION_CONNECTED = "gpufleet_exporter_attribution_connected";
    public static final String ATTRIBUTION_PODS = "gpufleet_exporter_attribution_pods";
    public static final String DCGM_XID = "DCGM_FI_DEV_XID_ERRORS";
}
