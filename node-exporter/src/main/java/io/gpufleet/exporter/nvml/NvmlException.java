package io.gpufleet.exporter.nvml;

/** NVML cannot be used at all: the library does not load, a required symbol is missing, or init failed. */
public final class NvmlException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int returnCode;

    public NvmlException(String message, int returnCode, Throwable cause) {
        super(message, cause);
        this.returnCode = returnCode;
    }

    public NvmlException(String message, int returnCode) {
        this(message, returnCode, null);
    }

    /** The NVML return code behind the failure, or -1 when the library itself could not be loaded. */
    public int returnCode() {
        return returnCode;
    }
}
