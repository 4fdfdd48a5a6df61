package io.gpufleet.exporter.nvml;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.gpufleet.exporter.source.GpuEvent;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The NVML event set: XID, double-bit and single-bit ECC events of every GPU, registered once at open
 * (events that happen before registration are not recorded by NVML). Used by one thread at a time.
 */
final class NvmlEvents {
    private static final Logger log = LoggerFactory.getLogger(NvmlEvents.class);

    static final long SINGLE_BIT_ECC = 0x1L;
    static final long DOUBLE_BIT_ECC = 0x2L;
    static final long XID_CRITICAL = 0x8L;
    /** What k8s-device-plugin registers too, masked by each GPU's supported types. */
    static final long WANTED = XID_CRITICAL | DOUBLE_BIT_ECC | SINGLE_BIT_ECC;
    /** Events drained without blocking after the first, per wait. */
    private static final int DRAIN_LIMIT = 64;

    private final NvmlLibrary lib;
    private Pointer set;
    private final Map<Long, NvmlDevice> byHandle = new HashMap<>();
    private final List<NvmlDevice> devices;
    private final NvmlStructs.EventData data = new NvmlStructs.EventData();
    private final Memory probe = new Memory(8);
    private boolean warnedWaitError;

    private NvmlEvents(NvmlLibrary lib, Pointer set, List<NvmlDevice> devices) {
        this.lib = lib;
        this.set = set;
        this.devices = devices;
        for (NvmlDevice d : devices) byHandle.put(d.handleValue, d);
    }

    /** Creates the set and registers every GPU; a source without events still works (reads only). */
    static NvmlEvents open(NvmlLibrary lib, List<NvmlDevice> devices) {
        Memory out = new Memory(8);
        int rc = lib.call(NvmlFunction.EVENT_SET_CREATE, out);
        if (rc != NvmlReturn.SUCCESS) {
            log.warn("NVML event set unavailable ({}): XID and ECC events will not be reported", lib.describe(rc));
            return new NvmlEvents(lib, null, devices);
        }
        Pointer set = out.getPointer(0);
        NvmlEvents events = new NvmlEvents(lib, set, devices);
        for (NvmlDevice d : devices) {
            rc = lib.call(NvmlFunction.SUPPORTED_EVENT_TYPES, d.handle, out);
            if (rc != NvmlReturn.SUCCESS) {
                log.warn("GPU {}: supported event types unknown ({}), no events registered", d.identity.index(),
                        NvmlReturn.name(rc));
                continue;
            }
            long mask = WANTED & out.getLong(0);
            if (mask == 0) continue;
            rc = lib.call(NvmlFunction.REGISTER_EVENTS, d.handle, mask, set);
            if (rc == NvmlReturn.UNKNOWN) {
                // NVML's documented recovery: the set may be unusable, free it.
                log.warn("GPU {}: event registration failed with UNKNOWN, events disabled", d.identity.index());
                events.close();
                return events;
            }
            if (rc != NvmlReturn.SUCCESS) {
                log.warn("GPU {}: events 0x{} not registered ({})", d.identity.index(), Long.toHexString(mask),
                        NvmlReturn.name(rc));
            }
        }
        return events;
    }

    boolean active() {
        return set != null;
    }

    /**
     * One bounded wait, then a non-blocking drain of whatever else is queued. GPUs found lost are handed
     * to {@code onLost} (which reports them), never returned here.
     */
    void await(int timeoutMs, LongSupplier clock, List<GpuEvent> into, Consumer<NvmlDevice> onLost) {
        int rc = waitOnce(timeoutMs);
        for (int i = 0; rc == NvmlReturn.SUCCESS; i++) {
            GpuEvent e = toEvent(clock.getAsLong());
            if (e != null) into.add(e);
            if (i >= DRAIN_LIMIT) return;
            rc = waitOnce(0);
        }
        if (rc == NvmlReturn.TIMEOUT) return;
        if (rc == NvmlReturn.GPU_IS_LOST) {
            findLost(onLost);
            return;
        }
        if (!warnedWaitError) {
            log.warn("NVML event wait failed: {}", lib.describe(rc));
            warnedWaitError = true;
        }
    }

    private int waitOnce(int timeoutMs) {
        data.device = null;
        data.eventType = 0;
        data.eventData = 0;
        return lib.call(NvmlFunction.EVENT_SET_WAIT, set, data, timeoutMs);
    }

    private GpuEvent toEvent(long nowMillis) {
        NvmlDevice d = data.device == null ? null : byHandle.get(Pointer.nativeValue(data.device));
        if (d == null) {
            log.warn("NVML event 0x{} for an unknown device", Long.toHexString(data.eventType));
            return null;
        }
        int index = d.identity.index();
        String uuid = d.identity.uuid();
        if ((data.eventType & XID_CRITICAL) != 0) return GpuEvent.xid(index, uuid, data.eventData, nowMillis);
        if ((data.eventType & DOUBLE_BIT_ECC) != 0) {
            return new GpuEvent(index, uuid, GpuEvent.Kind.DOUBLE_BIT_ECC, 0, nowMillis);
        }
        if ((data.eventType & SINGLE_BIT_ECC) != 0) {
            return new GpuEvent(index, uuid, GpuEvent.Kind.SINGLE_BIT_ECC, 0, nowMillis);
        }
        return null;
    }

    /** The wait does not say which GPU was lost: ask each live one with a cheap call. */
    private void findLost(Consumer<NvmlDevice> onLost) {
        NvmlDevice fromData = data.device == null ? null : byHandle.get(Pointer.nativeValue(data.device));
        if (fromData != null) {
            onLost.accept(fromData);
            return;
        }
        boolean found = false;
        for (NvmlDevice d : devices) {
            if (d.lost()) continue;
            if (lib.call(NvmlFunction.PERFORMANCE_STATE, d.handle, probe) == NvmlReturn.GPU_IS_LOST) {
                onLost.accept(d);
                found = true;
            }
        }
        if (!found) log.warn("NVML event wait reported GPU_IS_LOST, but every GPU still answers");
    }

    void close() {
        if (set == null) return;
        int rc = lib.call(NvmlFunction.EVENT_SET_FREE, set);
        if (rc != NvmlReturn.SUCCESS) log.warn("nvmlEventSetFree: {}", NvmlReturn.name(rc));
        set = null;
    }
}
