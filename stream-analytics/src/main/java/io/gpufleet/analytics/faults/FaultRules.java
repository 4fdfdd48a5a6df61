package io.gpufleet.analytics.faults;

import io.gpufleet.analytics.decode.GpuSample;
import io.gpufleet.analytics.decode.PodShare;
import io.gpufleet.contracts.GpuFault;
import io.gpufleet.contracts.GpuFault.Kind;
import io.gpufleet.contracts.GpuFault.Severity;
import io.gpufleet.exporter.health.XidCatalog;
import io.gpufleet.exporter.health.XidClass;
import io.gpufleet.exporter.source.ClockEventReason;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The per-GPU fault rules: given what is remembered about a GPU ({@link GpuTrack}), the faults now active and
 * a new sample, emits the faults that start and the ones that clear. No I/O and no clock: time is the samples'
 * event time. A fault is emitted once when it starts and once when it clears, never while it lasts.
 *
 * <ul>
 *   <li>XID by class (after the exporter's {@link XidCatalog}): reset GPU / reboot node / application / unknown;
 *       informational XIDs are not faults. Cleared after {@code quietMillis} without a new one of the class while
 *       the exporter does not call the GPU failed.</li>
 *   <li>ECC double-bit errors: the uncorrectable counter grew (single-bit errors are corrected: not a fault).
 *       Cleared when the counter resets (GPU reset) or after the quiet period.</li>
 *   <li>Row-remap failure: while the flag is 1.</li>
 *   <li>Thermal / power slowdown: the clock-event bits stayed set for the sustain period; a shorter spike is not
 *       a fault. Cleared when the bits clear.</li>
 *   <li>Memory above the pod's share on a shared GPU (beyond the tolerance); cleared when back under it.</li>
 *   <li>Allocated but idle: a GPU with pods below the idle utilization for the idle period.</li>
 * </ul>
 * Silence (a GPU or a node that stops reporting) needs timers and lives in the job's node function.
 */
public final class FaultRules implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final long THERMAL_BITS = ClockEventReason.HW_THERMAL_SLOWDOWN.mask()
            | ClockEventReason.SW_THERMAL_SLOWDOWN.mask();
    private static final long POWER_BITS = ClockEventReason.HW_POWER_BRAKE_SLOWDOWN.mask()
            | ClockEventReason.HW_SLOWDOWN.mask();
    /** Slot in {@link GpuTrack#lastEvent} for double-bit ECC errors (after the XidClass ordinals). */
    private static final int DBE_SLOT = 7;

    private static final XidClass[] XID_CLASSES = XidClass.values();
    static final String[] NO_BREACHES = new String[0];

    private final DetectorSettings settings;

    public FaultRules(DetectorSettings settings) {
        this.settings = settings;
    }

    public DetectorSettings settings() {
        return settings;
    }

    /** The severity a fault kind has. */
    public static Severity severity(Kind kind) {
        return switch (kind) {
            case XID_RESET_GPU, XID_REBOOT_NODE, ECC_DOUBLE_BIT, ROW_REMAP_FAILURE, GPU_STOPPED_REPORTING,
                    NODE_UNREACHABLE -> Severity.CRITICAL;
            case XID_APPLICATION, XID_UNKNOWN, THERMAL_SLOWDOWN, POWER_SLOWDOWN, MEMORY_OVER_SHARE -> Severity.WARNING;
            case ALLOCATED_IDLE -> Severity.INFO;
        };
    }

    /** The action recommended for a fault kind. */
    public static String action(Kind kind) {
        return switch (kind) {
            case XID_RESET_GPU, ECC_DOUBLE_BIT -> "reset_gpu";
            case XID_REBOOT_NODE, GPU_STOPPED_REPORTING -> "reboot_node";
            case XID_APPLICATION -> "restart_app";
            case XID_UNKNOWN -> "investigate";
            case ROW_REMAP_FAILURE -> "replace_gpu";
            case THERMAL_SLOWDOWN -> "check_cooling";
            case POWER_SLOWDOWN -> "check_power";
            case NODE_UNREACHABLE -> "check_node";
            case MEMORY_OVER_SHARE -> "enforce_memory_limit";
            case ALLOCATED_IDLE -> "reclaim_gpu";
        };
    }

    /** Applies one sample; {@code t.lastTime} is advanced by the caller. */
    public void onSample(GpuTrack t, GpuSample x, ActiveFaults active, Consumer<GpuFault> out) {
        long now = x.timeMillis();
        xids(t, x, active, out, now);
        ecc(t, x, active, out, now);
        if (x.rowRemapFailure() == 1) {
            raise(t, active, out, x, Kind.ROW_REMAP_FAILURE, null, now, "row remap failed (no spare rows)");
        } else if (x.rowRemapFailure() == 0) {
            clear(t, active, out, x.uuid(), Kind.ROW_REMAP_FAILURE, "", now, "row remap failure flag cleared");
        }
        if (x.clockEventReasons() >= 0) {
            t.thermalSince = sustained(t.thermalSince, (x.clockEventReasons() & THERMAL_BITS) != 0,
                    settings.thermalSustainMillis(), Kind.THERMAL_SLOWDOWN, t, x, active, out, now);
            t.powerSince = sustained(t.powerSince, (x.clockEventReasons() & POWER_BITS) != 0,
                    settings.powerSustainMillis(), Kind.POWER_SLOWDOWN, t, x, active, out, now);
        }
        memory(t, x, active, out, now);
        idle(t, x, active, out, now);
    }

    private void xids(GpuTrack t, GpuSample x, ActiveFaults active, Consumer<GpuFault> out, long now) {
        long[] counts = x.xidCounts();
        if (counts.length > 0) {
            for (int i = 0; i + 1 < counts.length; i += 2) {
                long prev = countOf(t.xidCounts, counts[i]);
                if (counts[i + 1] > prev) {
                    xid(t, x, active, out, now, counts[i], "XID " + counts[i] + " seen " + (counts[i + 1] - prev)
                            + " more time(s), " + counts[i + 1] + " since the exporter started");
                }
            }
            t.xidCounts = counts;
        } else if (x.lastXid() != 0 && x.lastXid() != t.lastXid) {
            xid(t, x, active, out, now, x.lastXid(), "XID " + x.lastXid() + " reported as the last XID");
        }
        t.lastXid = x.lastXid();
        // Most GPUs never saw an XID: the flags say which event times there are to read.
        for (int i = 0; i < XID_CLASSES.length && (t.eventSlots & -(1 << i)) != 0; i++) {
            if ((t.eventSlots & (1 << i)) == 0) continue;
            XidClass c = XID_CLASSES[i];
            Kind k = kindOf(c);
            if (k == null) continue;
            if (now - t.lastEvent[i] >= settings.quietMillis() && x.health() != 2) {
                clear(t, active, out, x.uuid(), k, "", now, "no " + c.label() + " XID for "
                        + settings.quietMillis() / 1000 + " s and the GPU is not failed");
            }
        }
    }

    private void xid(GpuTrack t, GpuSample x, ActiveFaults active, Consumer<GpuFault> out, long now, long code,
                     String evidence) {
        XidClass c = XidCatalog.classify(code);
        Kind k = kindOf(c);
        if (k == null) return;
        t.lastEvent[c.ordinal()] = now;
        t.eventSlots |= 1 << c.ordinal();
        raise(t, active, out, x, k, null, now, evidence + " (" + c.label() + ")");
    }

    private static Kind kindOf(XidClass c) {
        return switch (c) {
            case RESET_GPU -> Kind.XID_RESET_GPU;
            case REBOOT_NODE -> Kind.XID_REBOOT_NODE;
            case APPLICATION_ERROR -> Kind.XID_APPLICATION;
            case UNKNOWN -> Kind.XID_UNKNOWN;
            case INFORMATIONAL -> null;
        };
    }

    private static long countOf(long[] pairs, long code) {
        for (int i = 0; i + 1 < pairs.length; i += 2) if (pairs[i] == code) return pairs[i + 1];
        return 0;
    }

    private void ecc(GpuTrack t, GpuSample x, ActiveFaults active, Consumer<GpuFault> out, long now) {
        double dbe = x.eccDoubleBit();
        if (Double.isNaN(dbe)) return;
        double prev = t.eccDoubleBit;
        if (dbe > (Double.isNaN(prev) ? 0 : prev)) {
            t.lastEvent[DBE_SLOT] = now;
            t.eventSlots |= 1 << DBE_SLOT;
            raise(t, active, out, x, Kind.ECC_DOUBLE_BIT, null, now, "uncorrectable ECC errors "
                    + (Double.isNaN(prev) ? "at " + fmt(dbe) : "grew " + fmt(prev) + " -> " + fmt(dbe)));
        } else if (!Double.isNaN(prev) && dbe < prev) {
            clear(t, active, out, x.uuid(), Kind.ECC_DOUBLE_BIT, "", now, "ECC counters reset (GPU reset)");
        } else if ((t.eventSlots & (1 << DBE_SLOT)) != 0 && now - t.lastEvent[DBE_SLOT] >= settings.quietMillis()
                && x.health() != 2) {
            clear(t, active, out, x.uuid(), Kind.ECC_DOUBLE_BIT, "", now, "no new uncorrectable ECC error for "
                    + settings.quietMillis() / 1000 + " s");
        }
        t.eccDoubleBit = dbe;
    }

    private long sustained(long since, boolean on, long sustain, Kind kind, GpuTrack t, GpuSample x,
                           ActiveFaults active, Consumer<GpuFault> out, long now) {
        if (!on) {
            clear(t, active, out, x.uuid(), kind, "", now, "clock-event reason cleared");
            return -1;
        }
        long start = since < 0 ? now : since;
        if (now - start >= sustain && (t.activeKinds & (1 << kind.ordinal())) == 0) {
            raise(t, active, out, x, kind, null, start, String.format(Locale.ROOT,
                    "%s for %d s (clock-event reasons 0x%x, %.0f C, %.0f W)",
                    kind == Kind.THERMAL_SLOWDOWN ? "thermal slowdown" : "power slowdown", (now - start) / 1000,
                    x.clockEventReasons(), x.temperatureCelsius(), x.powerWatts()));
        }
        return start;
    }

    private void memory(GpuTrack t, GpuSample x, ActiveFaults active, Consumer<GpuFault> out, long now) {
        List<String> breaches = null;
        for (PodShare p : x.pods()) {
            if (p.shareMemoryBytes() <= 0 || p.usedMemoryBytes() < 0) continue;
            String key = ActiveFaults.key(x.uuid(), Kind.MEMORY_OVER_SHARE, p.namespace() + "/" + p.pod());
            if (p.usedMemoryBytes() > p.shareMemoryBytes() * (1 + settings.memoryTolerance())) {
                if (breaches == null) breaches = new ArrayList<>(2);
                breaches.add(key);
                raise(t, active, out, x, Kind.MEMORY_OVER_SHARE, p, now, String.format(Locale.ROOT,
                        "pod %s/%s holds %d MiB, its share is %d MiB", p.namespace(), p.pod(),
                        p.usedMemoryBytes() >> 20, p.shareMemoryBytes() >> 20));
            }
        }
        // The shared empty array first: reading the GPU's own array would cost a cache miss on most samples.
        if (breaches == null && (t.breaches == NO_BREACHES || t.breaches.length == 0)) return;
        for (String key : t.breaches) {
            if (breaches != null && breaches.contains(key)) continue;
            GpuFault f = active.get(key);
            if (f != null) {
                active.remove(key);
                out.accept(f.resolve(now, "pod back within its memory share, or gone"));
            }
        }
        t.breaches = breaches == null ? NO_BREACHES : breaches.toArray(NO_BREACHES);
    }

    private void idle(GpuTrack t, GpuSample x, ActiveFaults active, Consumer<GpuFault> out, long now) {
        double u = x.utilization();
        if (Double.isNaN(u)) return;
        if (x.pods().length > 0 && u < settings.idleUtilization()) {
            if (t.idleSince < 0) t.idleSince = now;
            if (now - t.idleSince >= settings.idleMillis() && (t.activeKinds & (1 << Kind.ALLOCATED_IDLE.ordinal())) == 0) {
                raise(t, active, out, x, Kind.ALLOCATED_IDLE, x.primaryPod(), t.idleSince, String.format(Locale.ROOT,
                        "allocated to %s/%s, utilization %.1f %% for %d min", x.primaryPod().namespace(),
                        x.primaryPod().pod(), u * 100, (now - t.idleSince) / 60_000));
            }
        } else {
            t.idleSince = -1;
            clear(t, active, out, x.uuid(), Kind.ALLOCATED_IDLE, "", now,
                    x.pods().length == 0 ? "GPU released" : "GPU busy again");
        }
    }

    /** Emits the fault unless one of the same key is active already. */
    private static void raise(GpuTrack t, ActiveFaults active, Consumer<GpuFault> out, GpuSample x, Kind kind,
                              PodShare pod, long start, String evidence) {
        boolean perPod = kind == Kind.MEMORY_OVER_SHARE;
        int bit = 1 << kind.ordinal();
        if (!perPod && (t.activeKinds & bit) != 0) return;
        String key = ActiveFaults.key(x.uuid(), kind, perPod ? pod.namespace() + "/" + pod.pod() : "");
        if (active.get(key) != null) return;
        if (!perPod) t.activeKinds |= bit;
        GpuFault f = GpuFault.active(kind, severity(kind), x.node(), x.gpu(), x.uuid(),
                pod == null ? "" : pod.namespace(), pod == null ? "" : pod.pod(), evidence, action(kind), start);
        active.put(key, f);
        out.accept(f);
    }

    private static void clear(GpuTrack t, ActiveFaults active, Consumer<GpuFault> out, String uuid, Kind kind,
                              String pod, long now, String why) {
        int bit = 1 << kind.ordinal();
        if (pod.isEmpty()) {
            if ((t.activeKinds & bit) == 0) return;
            t.activeKinds &= ~bit;
        }
        String key = ActiveFaults.key(uuid, kind, pod);
        GpuFault f = active.get(key);
        if (f == null) return;
        active.remove(key);
        out.accept(f.resolve(now, why));
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    static String describe(long[] pairs) {
        return Arrays.toString(pairs);
    }
}
