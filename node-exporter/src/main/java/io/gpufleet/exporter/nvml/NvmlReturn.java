package io.gpufleet.exporter.nvml;

/** NVML return codes ({@code nvmlReturn_t}) and their names as gpufleet reports them in reading errors. */
public final class NvmlReturn {
    public static final int SUCCESS = 0;
    public static final int UNINITIALIZED = 1;
    public static final int INVALID_ARGUMENT = 2;
    public static final int NOT_SUPPORTED = 3;
    public static final int NO_PERMISSION = 4;
    public static final int NOT_FOUND = 6;
    public static final int INSUFFICIENT_SIZE = 7;
    public static final int TIMEOUT = 10;
    /** What {@link NvmlLibrary#call} answers when neither a symbol nor its fallback exists. */
    public static final int FUNCTION_NOT_FOUND = 13;
    public static final int GPU_IS_LOST = 15;
    public static final int ARGUMENT_VERSION_MISMATCH = 25;
    public static final int UNKNOWN = 999;

    private static final String[] NAMES = {
        "SUCCESS", "UNINITIALIZED", "INVALID_ARGUMENT", "NOT_SUPPORTED", "NO_PERMISSION", "ALREADY_INITIALIZED",
        "NOT_FOUND", "INSUFFICIENT_SIZE", "INSUFFICIENT_POWER", "DRIVER_NOT_LOADED", "TIMEOUT", "IRQ_ISSUE",
        "LIBRARY_NOT_FOUND", "FUNCTION_NOT_FOUND", "CORRUPTED_INFOROM", "GPU_IS_LOST", "RESET_REQUIRED",
        "OPERATING_SYSTEM", "LIB_RM_VERSION_MISMATCH", "IN_USE", "MEMORY", "NO_DATA", "VGPU_ECC_NOT_SUPPORTED",
        "INSUFFICIENT_RESOURCES", "FREQ_NOT_SUPPORTED", "ARGUMENT_VERSION_MISMATCH", "DEPRECATED", "NOT_READY",
        "GPU_NOT_FOUND", "INVALID_STATE", "RESET_TYPE_NOT_SUPPORTED"
    };

    private NvmlReturn() {}

    /** The constant's name without the {@code NVML_ERROR_} prefix, e.g. {@code NOT_SUPPORTED}; unknown codes as {@code ERROR_<n>}. */
    public static String name(int rc) {
        if (rc >= 0 && rc < NAMES.length) return NAMES[rc];
        if (rc == UNKNOWN) return "UNKNOWN";
        return "ERROR_" + rc;
    }

    /** Whether a failure is permanent for this GPU, so the call need not be retried every pass. */
    static boolean permanent(int rc) {
        return rc == NOT_SUPPORTED || rc == FUNCTION_NOT_FOUND;
    }
}
