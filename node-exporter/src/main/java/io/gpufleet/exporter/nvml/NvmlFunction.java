package io.gpufleet.exporter.nvml;

import java.util.List;

/**
 * The NVML entry points gpufleet calls, each with its symbol candidates, newest first. The binding uses
 * the first symbol the loaded library exports; candidates of one constant share a C signature (calls
 * whose newer version changed a struct, like memory info v2 or the TemperatureV API, are separate
 * constants and the reader falls back between them).
 */
public enum NvmlFunction {
    INIT(true, "nvmlInit_v2", "nvmlInit"),
    SHUTDOWN(true, "nvmlShutdown"),
    ERROR_STRING(false, "nvmlErrorString"),
    SYSTEM_DRIVER_VERSION(false, "nvmlSystemGetDriverVersion"),
    DEVICE_COUNT(true, "nvmlDeviceGetCount_v2", "nvmlDeviceGetCount"),
    HANDLE_BY_INDEX(true, "nvmlDeviceGetHandleByIndex_v2", "nvmlDeviceGetHandleByIndex"),
    UUID(false, "nvmlDeviceGetUUID"),
    NAME(false, "nvmlDeviceGetName"),
    SERIAL(false, "nvmlDeviceGetSerial"),
    MINOR_NUMBER(false, "nvmlDeviceGetMinorNumber"),
    PCI_INFO(false, "nvmlDeviceGetPciInfo_v3", "nvmlDeviceGetPciInfo_v2", "nvmlDeviceGetPciInfo"),
    MEMORY_INFO_V2(false, "nvmlDeviceGetMemoryInfo_v2"),
    MEMORY_INFO(false, "nvmlDeviceGetMemoryInfo"),
    UTILIZATION(false, "nvmlDeviceGetUtilizationRates"),
    TEMPERATURE_V(false, "nvmlDeviceGetTemperatureV"),
    TEMPERATURE(false, "nvmlDeviceGetTemperature"),
    TEMPERATURE_THRESHOLD(false, "nvmlDeviceGetTemperatureThreshold"),
    FIELD_VALUES(false, "nvmlDeviceGetFieldValues"),
    POWER_USAGE(false, "nvmlDeviceGetPowerUsage"),
    ENFORCED_POWER_LIMIT(false, "nvmlDeviceGetEnforcedPowerLimit"),
    TOTAL_ENERGY(false, "nvmlDeviceGetTotalEnergyConsumption"),
    CLOCK_INFO(false, "nvmlDeviceGetClockInfo"),
    PERFORMANCE_STATE(false, "nvmlDeviceGetPerformanceState"),
    CLOCK_EVENT_REASONS(false, "nvmlDeviceGetCurrentClocksEventReasons", "nvmlDeviceGetCurrentClocksThrottleReasons"),
    TOTAL_ECC_ERRORS(false, "nvmlDeviceGetTotalEccErrors"),
    RETIRED_PAGES(false, "nvmlDeviceGetRetiredPages"),
    RETIRED_PAGES_PENDING(false, "nvmlDeviceGetRetiredPagesPendingStatus"),
    REMAPPED_ROWS(false, "nvmlDeviceGetRemappedRows"),
    PCIE_REPLAY_COUNTER(false, "nvmlDeviceGetPcieReplayCounter"),
    PCIE_LINK_GENERATION(false, "nvmlDeviceGetCurrPcieLinkGeneration"),
    PCIE_LINK_WIDTH(false, "nvmlDeviceGetCurrPcieLinkWidth"),
    PCIE_THROUGHPUT(false, "nvmlDeviceGetPcieThroughput"),
    MIG_MODE(false, "nvmlDeviceGetMigMode"),
    NVLINK_STATE(false, "nvmlDeviceGetNvLinkState"),
    NVLINK_ERROR_COUNTER(false, "nvmlDeviceGetNvLinkErrorCounter"),
    NVLINK_REMOTE_PCI_INFO(false, "nvmlDeviceGetNvLinkRemotePciInfo_v2", "nvmlDeviceGetNvLinkRemotePciInfo"),
    NVLINK_REMOTE_DEVICE_TYPE(false, "nvmlDeviceGetNvLinkRemoteDeviceType"),
    TOPOLOGY_COMMON_ANCESTOR(false, "nvmlDeviceGetTopologyCommonAncestor"),
    /** v3 and v2 fill {@code nvmlProcessInfo_t} (24 bytes). */
    COMPUTE_PROCESSES_V3(false, "nvmlDeviceGetComputeRunningProcesses_v3", "nvmlDeviceGetComputeRunningProcesses_v2"),
    /** The original call fills {@code nvmlProcessInfo_v1_t} (16 bytes). */
    COMPUTE_PROCESSES_V1(false, "nvmlDeviceGetComputeRunningProcesses"),
    EVENT_SET_CREATE(false, "nvmlEventSetCreate"),
    SUPPORTED_EVENT_TYPES(false, "nvmlDeviceGetSupportedEventTypes"),
    REGISTER_EVENTS(false, "nvmlDeviceRegisterEvents"),
    EVENT_SET_WAIT(false, "nvmlEventSetWait_v2", "nvmlEventSetWait"),
    EVENT_SET_FREE(false, "nvmlEventSetFree");

    private final boolean required;
    private final List<String> symbols;

    NvmlFunction(boolean required, String... symbols) {
        this.required = required;
        this.symbols = List.of(symbols);
    }

    /** Without it the library is unusable (loading fails with a clear error). */
    public boolean required() {
        return required;
    }

    /** Symbol candidates, preferred first. */
    public List<String> symbols() {
        return symbols;
    }
}
