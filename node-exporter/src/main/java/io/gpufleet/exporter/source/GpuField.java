package io.gpufleet.exporter.source;

/**
 * Every scalar quantity a {@link GpuSource} can report for one GPU, in base units (bytes, seconds,
 * celsius, watts, joules, hertz, ratios 0..1). A source that cannot read a field leaves it absent and
 * records why in {@link GpuReading#errors()}.
 */
public enum GpuField {
    MEMORY_TOTAL_BYTES,
    MEMORY_USED_BYTES,
    MEMORY_FREE_BYTES,
    /** Memory the driver reserves (nvmlMemory_v2_t); absent on drivers without the v2 call. */
    MEMORY_RESERVED_BYTES,
    GPU_UTILIZATION_RATIO,
    MEMORY_UTILIZATION_RATIO,
    GPU_TEMPERATURE_CELSIUS,
    MEMORY_TEMPERATURE_CELSIUS,
    /** Temperature at which the GPU starts slowing down (NVML slowdown threshold). */
    SLOWDOWN_TEMPERATURE_CELSIUS,
    POWER_USAGE_WATTS,
    POWER_LIMIT_WATTS,
    /** Total energy since the driver loaded: a counter. */
    ENERGY_JOULES_TOTAL,
    SM_CLOCK_HERTZ,
    MEMORY_CLOCK_HERTZ,
    /** Performance state 0 (max) .. 15. */
    PSTATE,
    /** Clock-event (throttle) reasons bitmask, see {@link ClockEventReason}. */
    CLOCK_EVENT_REASONS,
    ECC_SINGLE_BIT_VOLATILE_TOTAL,
    ECC_DOUBLE_BIT_VOLATILE_TOTAL,
    ECC_SINGLE_BIT_AGGREGATE_TOTAL,
    ECC_DOUBLE_BIT_AGGREGATE_TOTAL,
    RETIRED_PAGES_SINGLE_BIT,
    RETIRED_PAGES_DOUBLE_BIT,
    /** 1 when a page retirement waits for the next driver reload. */
    RETIRED_PAGES_PENDING,
    REMAPPED_ROWS_CORRECTABLE,
    REMAPPED_ROWS_UNCORRECTABLE,
    /** 1 when a row remap waits for the next GPU reset. */
    ROW_REMAP_PENDING,
    /** 1 when a row remap failed (an RMA criterion). */
    ROW_REMAP_FAILURE,
    /** Sampled over ~20 ms by NVML: read off the collection loop's fast path. */
    PCIE_TX_BYTES_PER_SECOND,
    PCIE_RX_BYTES_PER_SECOND,
    PCIE_REPLAY_TOTAL,
    PCIE_LINK_GENERATION,
    PCIE_LINK_WIDTH,
    /** 1 when MIG is enabled. */
    MIG_MODE,
    /** Driver-recommended recovery action (NVML_FI_DEV_GET_GPU_RECOVERY_ACTION: 0 none, 1 reset, 2 reboot...). */
    RECOVERY_ACTION;

    private static final int COUNT = values().length;

    public static int count() {
        return COUNT;
    }

    /** The fields a source reads with slow, sampling calls (kept off the regular collection pass). */
    public boolean slow() {
        return this == PCIE_TX_BYTES_PER_SECOND || this == PCIE_RX_BYTES_PER_SECOND;
    }
}
