package io.gpufleet.exporter.nvml;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import java.nio.charset.StandardCharsets;

/**
 * JNA mirrors of the NVML structs gpufleet passes, with the x86-64 layouts of {@code nvml.h}
 * (field names as in C; {@code NvmlStructsTest} checks every size and offset against the reference and
 * against the C compiler through the test library). One instance per GPU and thread is reused across
 * collection passes.
 */
public final class NvmlStructs {
    private NvmlStructs() {}

    /** Base: exposes field offsets so layouts can be verified. */
    public abstract static class Struct extends Structure {
        protected Struct() {
            super();
        }

        protected Struct(Pointer p) {
            super(p);
        }

        /** Byte offset of {@code field} within the struct. */
        public int offsetOf(String field) {
            return fieldOffset(field);
        }
    }

    /** {@code nvmlMemory_t}: order is total, free, used (24 bytes). */
    @Structure.FieldOrder({"total", "free", "used"})
    public static class Memory extends Struct {
        public long total;
        public long free;
        public long used;
    }

    /** {@code nvmlMemory_v2_t}: splits the driver's reservation out of {@code used} (40 bytes). */
    @Structure.FieldOrder({"version", "total", "reserved", "free", "used"})
    public static class MemoryV2 extends Struct {
        /** {@code nvmlMemory_v2 = sizeof | 2 << 24}. */
        public static final int VERSION = 40 | 2 << 24;
        public int version = VERSION;
        public long total;
        public long reserved;
        public long free;
        public long used;
    }

    /** {@code nvmlUtilization_t}: percent over the last sample period (8 bytes). */
    @Structure.FieldOrder({"gpu", "memory"})
    public static class Utilization extends Struct {
        public int gpu;
        public int memory;
    }

    /** {@code nvmlProcessInfo_v1_t}, filled by the original {@code nvmlDeviceGetComputeRunningProcesses} (16 bytes). */
    @Structure.FieldOrder({"pid", "usedGpuMemory"})
    public static class ProcessInfoV1 extends Struct {
        public int pid;
        public long usedGpuMemory;
    }

    /** {@code nvmlProcessInfo_t} (= v2), filled by the {@code _v2} and {@code _v3} process calls (24 bytes). */
    @Structure.FieldOrder({"pid", "usedGpuMemory", "gpuInstanceId", "computeInstanceId"})
    public static class ProcessInfo extends Struct {
        public int pid;
        public long usedGpuMemory;
        public int gpuInstanceId;
        public int computeInstanceId;
    }

    /** {@code nvmlEventData_t}: {@code eventData} is the XID for XidCriticalError (32 bytes). */
    @Structure.FieldOrder({"device", "eventType", "eventData", "gpuInstanceId", "computeInstanceId"})
    public static class EventData extends Struct {
        public Pointer device;
        public long eventType;
        public long eventData;
        public int gpuInstanceId;
        public int computeInstanceId;
    }

    /** {@code nvmlPciInfo_t} (68 bytes). */
    @Structure.FieldOrder({"busIdLegacy", "domain", "bus", "device", "pciDeviceId", "pciSubSystemId", "busId"})
    public static class PciInfo extends Struct {
        public byte[] busIdLegacy = new byte[16];
        public int domain;
        public int bus;
        public int device;
        public int pciDeviceId;
        public int pciSubSystemId;
        public byte[] busId = new byte[32];

        /** The extended bus id, or the legacy one where the driver (v1 call) filled only that. */
        public String busIdString() {
            String extended = cString(busId);
            return extended.isEmpty() ? cString(busIdLegacy) : extended;
        }

        /** Clears the buffers so a call that fills fewer fields leaves no stale text behind. */
        public void clear() {
            java.util.Arrays.fill(busIdLegacy, (byte) 0);
            java.util.Arrays.fill(busId, (byte) 0);
            domain = bus = device = pciDeviceId = pciSubSystemId = 0;
        }
    }

    /** {@code nvmlTemperature_t} v1 for {@code nvmlDeviceGetTemperatureV} (12 bytes). */
    @Structure.FieldOrder({"version", "sensorType", "temperature"})
    public static class Temperature extends Struct {
        /** {@code nvmlTemperature_v1 = sizeof | 1 << 24 = 0x0100000C}. */
        public static final int VERSION = 12 | 1 << 24;
        public int version = VERSION;
        public int sensorType;
        public int temperature;
    }

    /**
     * {@code nvmlFieldValue_t} (40 bytes). The value union is kept as its raw 8 bytes; {@link #asDouble()}
     * decodes it by {@code valueType}. {@code nvmlReturn} is this value's own status.
     */
    @Structure.FieldOrder({"fieldId", "scopeId", "timestamp", "latencyUsec", "valueType", "nvmlReturn", "value"})
    public static class FieldValue extends Struct {
        public static final int TYPE_DOUBLE = 0;
        public static final int TYPE_UNSIGNED_INT = 1;
        public static final int TYPE_UNSIGNED_LONG = 2;
        public static final int TYPE_UNSIGNED_LONG_LONG = 3;
        public static final int TYPE_SIGNED_LONG_LONG = 4;
        public static final int TYPE_SIGNED_INT = 5;
        public static final int TYPE_UNSIGNED_SHORT = 6;

        public int fieldId;
        public int scopeId;
        public long timestamp;
        public long latencyUsec;
        public int valueType;
        public int nvmlReturn;
        public long value;

        public FieldValue() {
            super();
        }

        public FieldValue(Pointer p) {
            super(p);
        }

        /** The union decoded by {@code valueType} (little-endian: narrower members sit in the low bytes). */
        public double asDouble() {
            return switch (valueType) {
                case TYPE_DOUBLE -> Double.longBitsToDouble(value);
                case TYPE_UNSIGNED_INT -> value & 0xFFFF_FFFFL;
                case TYPE_SIGNED_INT -> (int) value;
                case TYPE_UNSIGNED_SHORT -> value & 0xFFFFL;
                case TYPE_SIGNED_LONG_LONG -> value;
                default -> unsigned(value);
            };
        }
    }

    /** An unsigned 64-bit value as a double (NVML counters are {@code unsigned long long}). */
    static double unsigned(long v) {
        return v >= 0 ? v : (double) (v >>> 1) * 2.0 + (v & 1);
    }

    static String cString(byte[] buf) {
        int n = 0;
        while (n < buf.length && buf[n] != 0) n++;
        return new String(buf, 0, n, StandardCharsets.US_ASCII);
    }
}
