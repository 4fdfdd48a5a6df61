package io.gpufleet.exporter.nvml;

import static io.gpufleet.exporter.source.GpuField.*;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.gpufleet.exporter.source.GpuField;
import io.gpufleet.exporter.source.GpuIdentity;
import io.gpufleet.exporter.source.GpuReading;
import io.gpufleet.exporter.source.NvLinkReading;
import io.gpufleet.exporter.source.ProcessReading;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One GPU behind NVML: its handle, identity, and the readers for the regular pass ({@link #read}) and the
 * slow pass ({@link #readSlow}). Each pass owns its native buffers, allocated once and reused, so the
 * collector's threads never share scratch memory. A call that answers NOT_SUPPORTED (or whose symbol is
 * missing) is remembered per GPU and not retried; its fields stay absent with that reason.
 */
final class NvmlDevice {
    private static final Logger log = LoggerFactory.getLogger(NvmlDevice.class);

    /** {@code NVML_NVLINK_MAX_LINKS}. */
    static final int NVLINK_MAX_LINKS = 36;
    static final int FI_DEV_MEMORY_TEMP = 82;
    static final int FI_DEV_GET_GPU_RECOVERY_ACTION = 230;
    private static final int PSTATE_UNKNOWN = 32;
    private static final long VALUE_NOT_AVAILABLE = -1L;
    /** NVML reports PCIe throughput in KB/s (KiB). */
    private static final double KIB = 1024.0;

    private static final int PROC_STRIDE = new NvmlStructs.ProcessInfo().size();
    private static final int PROC_V1_STRIDE = new NvmlStructs.ProcessInfoV1().size();
    private static final int PROC_PID = new NvmlStructs.ProcessInfo().offsetOf("pid");
    private static final int PROC_USED = new NvmlStructs.ProcessInfo().offsetOf("usedGpuMemory");
    private static final int PROC_V1_USED = new NvmlStructs.ProcessInfoV1().offsetOf("usedGpuMemory");

    /** Thrown inside a pass when NVML answers GPU_IS_LOST; carries no stack trace. */
    static final class Lost extends RuntimeException {
        private static final long serialVersionUID = 1L;
        static final Lost INSTANCE = new Lost();

        private Lost() {
            super("GPU_IS_LOST", null, false, false);
        }
    }

    /** The NVML calls of a pass, each with the fields it fills, so failures mark the right fields. */
    enum Call {
        MEMORY_V2(MEMORY_TOTAL_BYTES, MEMORY_USED_BYTES, MEMORY_FREE_BYTES, MEMORY_RESERVED_BYTES),
        MEMORY_V1(MEMORY_TOTAL_BYTES, MEMORY_USED_BYTES, MEMORY_FREE_BYTES),
        UTILIZATION(GPU_UTILIZATION_RATIO, MEMORY_UTILIZATION_RATIO),
        TEMPERATURE_V(GPU_TEMPERATURE_CELSIUS),
        TEMPERATURE(GPU_TEMPERATURE_CELSIUS),
        MEMORY_TEMPERATURE(MEMORY_TEMPERATURE_CELSIUS),
        SLOWDOWN_THRESHOLD(SLOWDOWN_TEMPERATURE_CELSIUS),
        POWER_USAGE(POWER_USAGE_WATTS),
        POWER_LIMIT(POWER_LIMIT_WATTS),
        ENERGY(ENERGY_JOULES_TOTAL),
        SM_CLOCK(SM_CLOCK_HERTZ),
        MEMORY_CLOCK(MEMORY_CLOCK_HERTZ),
        PSTATE(GpuField.PSTATE),
        CLOCK_EVENT_REASONS(GpuField.CLOCK_EVENT_REASONS),
        ECC_SBE_VOLATILE(ECC_SINGLE_BIT_VOLATILE_TOTAL),
        ECC_DBE_VOLATILE(ECC_DOUBLE_BIT_VOLATILE_TOTAL),
        ECC_SBE_AGGREGATE(ECC_SINGLE_BIT_AGGREGATE_TOTAL),
        ECC_DBE_AGGREGATE(ECC_DOUBLE_BIT_AGGREGATE_TOTAL),
        RETIRED_SBE(RETIRED_PAGES_SINGLE_BIT),
        RETIRED_DBE(RETIRED_PAGES_DOUBLE_BIT),
        RETIRED_PENDING(RETIRED_PAGES_PENDING),
        REMAPPED_ROWS(REMAPPED_ROWS_CORRECTABLE, REMAPPED_ROWS_UNCORRECTABLE, ROW_REMAP_PENDING, ROW_REMAP_FAILURE),
        PCIE_REPLAY(PCIE_REPLAY_TOTAL),
        PCIE_GENERATION(PCIE_LINK_GENERATION),
        PCIE_WIDTH(PCIE_LINK_WIDTH),
        MIG(MIG_MODE),
        RECOVERY(RECOVERY_ACTION),
        NVLINK,
        PROCESSES_V3,
        PROCESSES_V1,
        PCIE_TX(PCIE_TX_BYTES_PER_SECOND),
        PCIE_RX(PCIE_RX_BYTES_PER_SECOND);

        final GpuField[] fields;

        Call(GpuField... fields) {
            this.fields = fields;
        }
    }

    private final NvmlLibrary lib;
    final Pointer handle;
    final long handleValue;
    final GpuIdentity identity;
    private final AtomicBoolean lost = new AtomicBoolean();

    /** Regular pass: permanent failures and native buffers, touched only under {@code this} (the read thread). */
    private final String[] skip = new String[Call.values().length];
    private final Memory out = new Memory(32);
    private final Pointer o0 = out.share(0, 8);
    private final Pointer o8 = out.share(8, 8);
    private final Pointer o16 = out.share(16, 8);
    private final Pointer o24 = out.share(24, 8);
    private final NvmlStructs.MemoryV2 memoryV2 = new NvmlStructs.MemoryV2();
    private final NvmlStructs.Memory memoryV1 = new NvmlStructs.Memory();
    private final NvmlStructs.Utilization utilization = new NvmlStructs.Utilization();
    private final NvmlStructs.Temperature temperature = new NvmlStructs.Temperature();
    private final NvmlStructs.FieldValue[] fieldValues =
            (NvmlStructs.FieldValue[]) new NvmlStructs.FieldValue().toArray(2);
    private final Call[] fieldCalls = new Call[2];
    private Memory processBuffer;
    /** Links 0..linkLimit-1 answer; found on the first pass (the first NOT_SUPPORTED/INVALID_ARGUMENT link). */
    private int linkLimit = NVLINK_MAX_LINKS;

    /** Slow pass: its own buffer and memory of permanent failures. */
    private final Object slowLock = new Object();
    private final String[] slowSkip = new String[Call.values().length];
    private final Memory slowOut = new Memory(8);

    NvmlDevice(NvmlLibrary lib, Pointer handle, GpuIdentity identity) {
        this.lib = lib;
        this.handle = handle;
        this.handleValue = Pointer.nativeValue(handle);
        this.identity = identity;
    }

    boolean lost() {
        return lost.get();
    }

    /** Marks the GPU lost for good; true only for the call that changed it. */
    boolean markLost() {
        return lost.compareAndSet(false, true);
    }

    /**
     * Reads every regular field.
     *
     * @throws Lost when NVML answers GPU_IS_LOST to any call
     */
    synchronized GpuReading read(long timestampMillis) {
        GpuReading.Builder b = new GpuReading.Builder(identity, timestampMillis);
        readMemory(b);
        readUtilization(b);
        readTemperature(b);
        uintArg(b, Call.SLOWDOWN_THRESHOLD, NvmlFunction.TEMPERATURE_THRESHOLD, 1, 1.0);
        readFieldValues(b);
        uint(b, Call.POWER_USAGE, NvmlFunction.POWER_USAGE, 1e-3);
        uint(b, Call.POWER_LIMIT, NvmlFunction.ENFORCED_POWER_LIMIT, 1e-3);
        ulong(b, Call.ENERGY, NvmlFunction.TOTAL_ENERGY, 1e-3);
        uintArg(b, Call.SM_CLOCK, NvmlFunction.CLOCK_INFO, 1, 1e6);
        uintArg(b, Call.MEMORY_CLOCK, NvmlFunction.CLOCK_INFO, 2, 1e6);
        readPstate(b);
        ulong(b, Call.CLOCK_EVENT_REASONS, NvmlFunction.CLOCK_EVENT_REASONS, 1.0);
        ecc(b, Call.ECC_SBE_VOLATILE, 0, 0);
        ecc(b, Call.ECC_DBE_VOLATILE, 1, 0);
        ecc(b, Call.ECC_SBE_AGGREGATE, 0, 1);
        ecc(b, Call.ECC_DBE_AGGREGATE, 1, 1);
        retiredPages(b, Call.RETIRED_SBE, 0);
        retiredPages(b, Call.RETIRED_DBE, 1);
        uint(b, Call.RETIRED_PENDING, NvmlFunction.RETIRED_PAGES_PENDING, 1.0);
        readRemappedRows(b);
        uint(b, Call.PCIE_REPLAY, NvmlFunction.PCIE_REPLAY_COUNTER, 1.0);
        uint(b, Call.PCIE_GENERATION, NvmlFunction.PCIE_LINK_GENERATION, 1.0);
        uint(b, Call.PCIE_WIDTH, NvmlFunction.PCIE_LINK_WIDTH, 1.0);
        uint(b, Call.MIG, NvmlFunction.MIG_MODE, 1.0, o8);
        b.nvLinks(readNvLinks());
        b.processes(readProcesses());
        return b.build();
    }

    /** Reads the sampling PCIe throughput counters (~20 ms each on real hardware). */
    void readSlow(GpuReading.Builder into) {
        synchronized (slowLock) {
            slowThroughput(into, Call.PCIE_TX, 0);
            slowThroughput(into, Call.PCIE_RX, 1);
        }
    }

    private void slowThroughput(GpuReading.Builder b, Call c, int counter) {
        GpuField field = c.fields[0];
        if (slowSkip[c.ordinal()] != null) {
            b.fail(field, slowSkip[c.ordinal()]);
            return;
        }
        int rc = lib.call(NvmlFunction.PCIE_THROUGHPUT, handle, counter, slowOut);
        if (rc == NvmlReturn.SUCCESS) {
            b.set(field, u32(slowOut.getInt(0)) * KIB);
            return;
        }
        if (rc == NvmlReturn.GPU_IS_LOST) throw Lost.INSTANCE;
        if (NvmlReturn.permanent(rc)) slowSkip[c.ordinal()] = NvmlReturn.name(rc);
        b.fail(field, NvmlReturn.name(rc));
    }

    // ---- the regular pass, call by call ----

    private void readMemory(GpuReading.Builder b) {
        if (!skipped(Call.MEMORY_V2)) {
            memoryV2.version = NvmlStructs.MemoryV2.VERSION;
            int rc = lib.call(NvmlFunction.MEMORY_INFO_V2, handle, memoryV2);
            if (rc == NvmlReturn.SUCCESS) {
                b.set(MEMORY_TOTAL_BYTES, NvmlStructs.unsigned(memoryV2.total));
                b.set(MEMORY_USED_BYTES, NvmlStructs.unsigned(memoryV2.used));
                b.set(MEMORY_FREE_BYTES, NvmlStructs.unsigned(memoryV2.free));
                b.set(MEMORY_RESERVED_BYTES, NvmlStructs.unsigned(memoryV2.reserved));
                return;
            }
            if (rc == NvmlReturn.GPU_IS_LOST) throw Lost.INSTANCE;
            if (!(NvmlReturn.permanent(rc) || rc == NvmlReturn.ARGUMENT_VERSION_MISMATCH)) {
                fail(b, Call.MEMORY_V2, rc);
                return;
            }
            // Older driver: v1 below; "used" then includes the driver's reservation.
            skip[Call.MEMORY_V2.ordinal()] = NvmlReturn.name(rc);
        }
        b.fail(MEMORY_RESERVED_BYTES, skip[Call.MEMORY_V2.ordinal()]);
        if (skipped(b, Call.MEMORY_V1)) return;
        int rc = lib.call(NvmlFunction.MEMORY_INFO, handle, memoryV1);
        if (ok(b, Call.MEMORY_V1, rc)) {
            b.set(MEMORY_TOTAL_BYTES, NvmlStructs.unsigned(memoryV1.total));
            b.set(MEMORY_USED_BYTES, NvmlStructs.unsigned(memoryV1.used));
            b.set(MEMORY_FREE_BYTES, NvmlStructs.unsigned(memoryV1.free));
        }
    }

    private void readUtilization(GpuReading.Builder b) {
        if (skipped(b, Call.UTILIZATION)) return;
        int rc = lib.call(NvmlFunction.UTILIZATION, handle, utilization);
        if (ok(b, Call.UTILIZATION, rc)) {
            b.set(GPU_UTILIZATION_RATIO, u32(utilization.gpu) / 100.0);
            b.set(MEMORY_UTILIZATION_RATIO, u32(utilization.memory) / 100.0);
        }
    }

    private void readTemperature(GpuReading.Builder b) {
        if (!skipped(Call.TEMPERATURE_V)) {
            temperature.version = NvmlStructs.Temperature.VERSION;
            temperature.sensorType = 0; // NVML_TEMPERATURE_GPU
            int rc = lib.call(NvmlFunction.TEMPERATURE_V, handle, temperature);
            if (rc == NvmlReturn.SUCCESS) {
                b.set(GPU_TEMPERATURE_CELSIUS, temperature.temperature);
                return;
            }
            if (rc == NvmlReturn.GPU_IS_LOST) throw Lost.INSTANCE;
            if (!(NvmlReturn.permanent(rc) || rc == NvmlReturn.ARGUMENT_VERSION_MISMATCH)) {
                fail(b, Call.TEMPERATURE_V, rc);
                return;
            }
            // Pre-NVML-13 driver: the deprecated call below.
            skip[Call.TEMPERATURE_V.ordinal()] = NvmlReturn.name(rc);
        }
        uintArg(b, Call.TEMPERATURE, NvmlFunction.TEMPERATURE, 0, 1.0);
    }

    /** Memory temperature and recovery action come as field values, each with its own status. */
    private void readFieldValues(GpuReading.Builder b) {
        int n = 0;
        if (!skipped(b, Call.MEMORY_TEMPERATURE)) fieldCalls[n++] = Call.MEMORY_TEMPERATURE;
        if (!skipped(b, Call.RECOVERY)) fieldCalls[n++] = Call.RECOVERY;
        if (n == 0) return;
        for (int i = 0; i < n; i++) {
            NvmlStructs.FieldValue fv = fieldValues[i];
            fv.fieldId = fieldCalls[i] == Call.MEMORY_TEMPERATURE ? FI_DEV_MEMORY_TEMP : FI_DEV_GET_GPU_RECOVERY_ACTION;
            fv.scopeId = 0;
            fv.nvmlReturn = NvmlReturn.UNKNOWN;
            fv.value = 0;
            fv.write();
        }
        int rc = lib.call(NvmlFunction.FIELD_VALUES, handle, n, fieldValues[0].getPointer());
        for (int i = 0; i < n; i++) {
            Call c = fieldCalls[i];
            if (!ok(b, c, rc)) continue;
            NvmlStructs.FieldValue fv = fieldValues[i];
            fv.read();
            // The call can succeed while a single value failed: check each value's own status.
            if (ok(b, c, fv.nvmlReturn)) b.set(c.fields[0], fv.asDouble());
        }
    }

    private void readPstate(GpuReading.Builder b) {
        if (skipped(b, Call.PSTATE)) return;
        int rc = lib.call(NvmlFunction.PERFORMANCE_STATE, handle, o0);
        if (!ok(b, Call.PSTATE, rc)) return;
        int p = o0.getInt(0);
        if (p == PSTATE_UNKNOWN) b.fail(GpuField.PSTATE, "PSTATE_UNKNOWN");
        else b.set(GpuField.PSTATE, p);
    }

    private void ecc(GpuReading.Builder b, Call c, int errorType, int counterType) {
        if (skipped(b, c)) return;
        int rc = lib.call(NvmlFunction.TOTAL_ECC_ERRORS, handle, errorType, counterType, o0);
        if (ok(b, c, rc)) b.set(c.fields[0], NvmlStructs.unsigned(o0.getLong(0)));
    }

    /** Called with a zero-sized buffer: the count comes back with SUCCESS or INSUFFICIENT_SIZE. */
    private void retiredPages(GpuReading.Builder b, Call c, int cause) {
        if (skipped(b, c)) return;
        o0.setInt(0, 0);
        int rc = lib.call(NvmlFunction.RETIRED_PAGES, handle, cause, o0, null);
        if (rc == NvmlReturn.INSUFFICIENT_SIZE) rc = NvmlReturn.SUCCESS;
        if (ok(b, c, rc)) b.set(c.fields[0], u32(o0.getInt(0)));
    }

    private void readRemappedRows(GpuReading.Builder b) {
        if (skipped(b, Call.REMAPPED_ROWS)) return;
        int rc = lib.call(NvmlFunction.REMAPPED_ROWS, handle, o0, o8, o16, o24);
        if (ok(b, Call.REMAPPED_ROWS, rc)) {
            b.set(REMAPPED_ROWS_CORRECTABLE, u32(o0.getInt(0)));
            b.set(REMAPPED_ROWS_UNCORRECTABLE, u32(o8.getInt(0)));
            b.set(ROW_REMAP_PENDING, o16.getInt(0) != 0 ? 1 : 0);
            b.set(ROW_REMAP_FAILURE, o24.getInt(0) != 0 ? 1 : 0);
        }
    }

    /** Per link: stop at the first link NVML does not know; none at all on PCIe-only GPUs. */
    private List<NvLinkReading> readNvLinks() {
        if (skipped(Call.NVLINK)) return List.of();
        List<NvLinkReading> links = new ArrayList<>();
        for (int link = 0; link < linkLimit; link++) {
            int rc = lib.call(NvmlFunction.NVLINK_STATE, handle, link, o0);
            if (rc == NvmlReturn.GPU_IS_LOST) throw Lost.INSTANCE;
            if (rc == NvmlReturn.NOT_SUPPORTED || rc == NvmlReturn.INVALID_ARGUMENT
                    || rc == NvmlReturn.FUNCTION_NOT_FOUND) {
                linkLimit = link;
                if (link == 0) skip[Call.NVLINK.ordinal()] = NvmlReturn.name(rc);
                break;
            }
            if (rc != NvmlReturn.SUCCESS) {
                log.debug("GPU {} NVLink {} state: {}", identity.index(), link, NvmlReturn.name(rc));
                continue;
            }
            boolean active = o0.getInt(0) != 0;
            links.add(new NvLinkReading(link, active, linkCounter(link, 0), linkCounter(link, 1),
                    linkCounter(link, 2), linkCounter(link, 3)));
        }
        return links;
    }

    private long linkCounter(int link, int counter) {
        int rc = lib.call(NvmlFunction.NVLINK_ERROR_COUNTER, handle, link, counter, o8);
        if (rc == NvmlReturn.GPU_IS_LOST) throw Lost.INSTANCE;
        return rc == NvmlReturn.SUCCESS ? o8.getLong(0) : -1L;
    }

    /** v3 (or v2) first, then the original call; size with a zero count, then allocate with headroom. */
    private List<ProcessReading> readProcesses() {
        boolean v3 = !skipped(Call.PROCESSES_V3);
        if (!v3 && skipped(Call.PROCESSES_V1)) return List.of();
        Call call = v3 ? Call.PROCESSES_V3 : Call.PROCESSES_V1;
        NvmlFunction fn = v3 ? NvmlFunction.COMPUTE_PROCESSES_V3 : NvmlFunction.COMPUTE_PROCESSES_V1;
        int stride = v3 ? PROC_STRIDE : PROC_V1_STRIDE;
        o0.setInt(0, 0);
        int rc = lib.call(fn, handle, o0, null);
        for (int attempt = 0; rc == NvmlReturn.INSUFFICIENT_SIZE && attempt < 3; attempt++) {
            int wanted = o0.getInt(0);
            int capacity = wanted + wanted / 4 + 8; // processes may start between the two calls
            long bytes = (long) capacity * stride;
            if (processBuffer == null || processBuffer.size() < bytes) processBuffer = new Memory(bytes);
            o0.setInt(0, capacity);
            rc = lib.call(fn, handle, o0, processBuffer);
        }
        if (rc == NvmlReturn.GPU_IS_LOST) throw Lost.INSTANCE;
        if (rc != NvmlReturn.SUCCESS) {
            if (NvmlReturn.permanent(rc)) {
                skip[call.ordinal()] = NvmlReturn.name(rc);
                if (v3) return readProcesses();
            }
            log.debug("GPU {} processes: {}", identity.index(), NvmlReturn.name(rc));
            return List.of();
        }
        int count = o0.getInt(0);
        if (count <= 0 || processBuffer == null) return List.of();
        List<ProcessReading> procs = new ArrayList<>(count);
        int usedOffset = v3 ? PROC_USED : PROC_V1_USED;
        for (int i = 0; i < count && (long) (i + 1) * stride <= processBuffer.size(); i++) {
            long base = (long) i * stride;
            long used = processBuffer.getLong(base + usedOffset);
            procs.add(new ProcessReading(u32(processBuffer.getInt(base + PROC_PID)),
                    used == VALUE_NOT_AVAILABLE ? -1 : used));
        }
        return procs;
    }

    // ---- helpers ----

    private void uint(GpuReading.Builder b, Call c, NvmlFunction fn, double scale) {
        if (skipped(b, c)) return;
        int rc = lib.call(fn, handle, o0);
        if (ok(b, c, rc)) b.set(c.fields[0], u32(o0.getInt(0)) * scale);
    }

    /** For calls with a second, ignored out-parameter (e.g. MIG mode's pending mode). */
    private void uint(GpuReading.Builder b, Call c, NvmlFunction fn, double scale, Pointer extra) {
        if (skipped(b, c)) return;
        int rc = lib.call(fn, handle, o0, extra);
        if (ok(b, c, rc)) b.set(c.fields[0], u32(o0.getInt(0)) * scale);
    }

    private void uintArg(GpuReading.Builder b, Call c, NvmlFunction fn, int arg, double scale) {
        if (skipped(b, c)) return;
        int rc = lib.call(fn, handle, arg, o0);
        if (ok(b, c, rc)) b.set(c.fields[0], u32(o0.getInt(0)) * scale);
    }

    private void ulong(GpuReading.Builder b, Call c, NvmlFunction fn, double scale) {
        if (skipped(b, c)) return;
        int rc = lib.call(fn, handle, o0);
        if (ok(b, c, rc)) b.set(c.fields[0], NvmlStructs.unsigned(o0.getLong(0)) * scale);
    }

    private boolean skipped(Call c) {
        return skip[c.ordinal()] != null;
    }

    /** A call known to fail for good: mark its fields with the remembered reason. */
    private boolean skipped(GpuReading.Builder b, Call c) {
        String why = skip[c.ordinal()];
        if (why == null) return false;
        for (GpuField f : c.fields) b.fail(f, why);
        return true;
    }

    /** True on SUCCESS; otherwise marks the call's fields, remembers permanent failures, throws when lost. */
    private boolean ok(GpuReading.Builder b, Call c, int rc) {
        if (rc == NvmlReturn.SUCCESS) return true;
        if (rc == NvmlReturn.GPU_IS_LOST) throw Lost.INSTANCE;
        if (NvmlReturn.permanent(rc)) skip[c.ordinal()] = NvmlReturn.name(rc);
        fail(b, c, rc);
        return false;
    }

    private static void fail(GpuReading.Builder b, Call c, int rc) {
        String why = NvmlReturn.name(rc);
        for (GpuField f : c.fields) b.fail(f, why);
    }

    private static long u32(int v) {
        return v & 0xFFFF_FFFFL;
    }
}
