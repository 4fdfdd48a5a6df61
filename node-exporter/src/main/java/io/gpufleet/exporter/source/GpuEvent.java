package io.gpufleet.exporter.source;

/**
 * A critical event a GPU raised between two collections (NVML event set, or the simulator).
 *
 * @param gpuIndex  NVML index of the GPU on its node
 * @param uuid      its UUID
 * @param kind      what happened
 * @param code      the XID for {@link Kind#XID}, otherwise 0
 * @param timestampMillis when the exporter received it
 */
public record GpuEvent(int gpuIndex, String uuid, Kind kind, long code, long timestampMillis) {
    public enum Kind {
        XID,
        DOUBLE_BIT_ECC,
        SINGLE_BIT_ECC,
        /** The GPU stopped answering (NVML GPU_IS_LOST from the event wait). */
        GPU_LOST
    }

    public static GpuEvent xid(int gpuIndex, String uuid, long xid, long ts) {
        return new GpuEvent(gpuIndex, uuid, Kind.XID, xid, ts);
    }
}
