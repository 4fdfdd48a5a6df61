package io.gpufleet.exporter.sim;

import io.gpufleet.exporter.attribution.PodRef;
import io.gpufleet.exporter.source.ClockEventReason;
import io.gpufleet.exporter.source.GpuEvent;
import io.gpufleet.exporter.source.GpuField;
import io.gpufleet.exporter.source.GpuIdentity;
import io.gpufleet.exporter.source.GpuReading;
import io.gpufleet.exporter.source.NvLinkReading;
import io.gpufleet.exporter.source.ProcessReading;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * One simulated GPU: its fixed identity and the state that evolves with time. Not thread-safe; its
 * {@link SimulatedNode} serialises access.
 *
 * <p>Time advances in steps of at most one second aligned to whole seconds, so that the noise buckets
 * (one per second) line up whatever the read cadence.
 */
final class SimGpu {
    static final String NOT_SUPPORTED = "NOT_SUPPORTED";
    static final String GPU_IS_LOST = "GPU_IS_LOST";
    /** Thermal time constant of a GPU with its heat sink. */
    static final double TAU_MILLIS = 20_000;
    /** How far above slowdown a failing cooler drives the die. */
    static final double THERMAL_FAULT_OVERSHOOT = 6;

    private static final long IDLE_MASK = ClockEventReason.GPU_IDLE.mask();
    private static final long HW_THERMAL = ClockEventReason.HW_THERMAL_SLOWDOWN.mask()
            | ClockEventReason.HW_SLOWDOWN.mask();
    private static final long SW_THERMAL = ClockEventReason.SW_THERMAL_SLOWDOWN.mask();
    private static final long SW_POWER = ClockEventReason.SW_POWER_CAP.mask();
    private static final long POWER_BRAKE = ClockEventReason.HW_POWER_BRAKE_SLOWDOWN.mask()
            | ClockEventReason.HW_SLOWDOWN.mask();

    final GpuIdentity identity;
    final GpuModel model;
    private final long key;
    private final List<NvLinkReading> nvLinks;
    private final Map<GpuField, String> unsupported;
    private final double ambient;
    private final boolean backgroundLoad;
    private final double bgLevel;
    private final double bgPhase;
    private final long bgPeriodMillis;
    private final long bgMemoryBytes;
    private final long bgPid;

    private long t;
    private double temperature;
    private double energyJoules;

    private final List<RunningWork> work = new ArrayList<>();
    private double workUtil;
    private long workMemory;
    private List<ProcessReading> processes = List.of();
    private List<PodRef> pods = List.of();
    private boolean listsStale = true;

    private long leakRate;
    private double leakedBytes;
    private boolean lost;
    private long thermalUntil = Long.MIN_VALUE;
    private long brakeUntil = Long.MIN_VALUE;
    private final List<ActiveFault> faults = new ArrayList<>();

    private long sbeVolatile, sbeAggregate, dbeVolatile, dbeAggregate;
    private long retiredSbe, retiredDbe, retiredPending;
    private long remappedCorrectable, remappedUncorrectable, remapPending, remapFailure;
    private long recoveryAction;
    private long pcieReplays;

    SimGpu(GpuIdentity identity, GpuModel model, int activeLinks, boolean backgroundLoad, SplittableRandom rng,
           long startMillis) {
        this.identity = identity;
        this.model = model;
        this.key = rng.nextLong();
        this.backgroundLoad = backgroundLoad;
        this.ambient = 28 + rng.nextDouble() * 6;
        // a quarter of the GPUs stay idle under background load, so idle readings show up too
        this.bgLevel = rng.nextDouble() < 0.25 ? 0 : 0.05 + rng.nextDouble() * 0.55;
        this.bgPhase = rng.nextDouble() * 2 * Math.PI;
        this.bgPeriodMillis = 120_000 + rng.nextLong(480_000);
        this.bgMemoryBytes = bgLevel == 0 ? 0 : (long) (model.usableMemoryBytes() * (0.02 + 0.4 * bgLevel));
        this.bgPid = 1000 + rng.nextLong(9000);
        this.sbeAggregate = rng.nextDouble() < 0.15 ? 1 + rng.nextLong(40) : 0;
        this.pcieReplays = rng.nextDouble() < 0.1 ? rng.nextLong(5) : 0;
        long uptimeSeconds = 3600 + rng.nextLong(7 * 86_400);
        this.energyJoules = model.idlePowerWatts() * uptimeSeconds;
        this.t = startMillis;
        this.temperature = targetTemperature(powerFor(utilAt(startMillis), startMillis), startMillis);

        List<NvLinkReading> links = new ArrayList<>(model.nvLinks());
        for (int l = 0; l < model.nvLinks(); l++) links.add(new NvLinkReading(l, l < activeLinks, 0, 0, 0, 0));
        this.nvLinks = List.copyOf(links);

        Map<GpuField, String> un = new EnumMap<>(GpuField.class);
        if (!model.hasMemoryTemperature()) un.put(GpuField.MEMORY_TEMPERATURE_CELSIUS, NOT_SUPPORTED);
        if (!model.retiresPages()) {
            un.put(GpuField.RETIRED_PAGES_SINGLE_BIT, NOT_SUPPORTED);
            un.put(GpuField.RETIRED_PAGES_DOUBLE_BIT, NOT_SUPPORTED);
            un.put(GpuField.RETIRED_PAGES_PENDING, NOT_SUPPORTED);
        }
        if (!model.remapsRows()) {
            un.put(GpuField.REMAPPED_ROWS_CORRECTABLE, NOT_SUPPORTED);
            un.put(GpuField.REMAPPED_ROWS_UNCORRECTABLE, NOT_SUPPORTED);
            un.put(GpuField.ROW_REMAP_PENDING, NOT_SUPPORTED);
            un.put(GpuField.ROW_REMAP_FAILURE, NOT_SUPPORTED);
        }
        if (!model.supportsMig()) un.put(GpuField.MIG_MODE, NOT_SUPPORTED);
        if (!model.reportsRecoveryAction()) un.put(GpuField.RECOVERY_ACTION, NOT_SUPPORTED);
        this.unsupported = Map.copyOf(un);
    }

    // ---- time ----------------------------------------------------------------------------------

    /** Moves the state forward to {@code to}; earlier times are ignored. */
    void advance(long to) {
        while (t < to) {
            long step = Math.min(to - t, 1000 - Math.floorMod(t, 1000L));
            double u = utilAt(t);
            double p = powerFor(u, t);
            if (!lost) energyJoules += p * step / 1000.0;
            double target = targetTemperature(p, t);
            temperature = target + (temperature - target) * StrictMath.exp(-step / TAU_MILLIS);
            if (leakRate > 0) leakedBytes = Math.min(leakedBytes + leakRate * (step / 1000.0), leakRoom());
            t += step;
        }
        if (!faults.isEmpty()) {
            long now = t;
            faults.removeIf(f -> f.untilMillis() >= 0 && f.untilMillis() <= now);
        }
    }

    long time() {
        return t;
    }

    private double utilAt(long when) {
        if (lost) return 0;
        long second = Math.floorDiv(when, 1000L);
        if (!work.isEmpty()) {
            if (workUtil <= 0) return 0;
            return clamp01(workUtil + 0.03 * Noise.signed(key, second));
        }
        if (backgroundLoad && bgLevel > 0) {
            double wave = 0.5 + 0.5 * StrictMath.sin(2 * Math.PI * Math.floorMod(when, bgPeriodMillis) / bgPeriodMillis
                    + bgPhase);
            return clamp01(bgLevel * (0.3 + 0.7 * wave) + 0.02 * Noise.signed(key, second));
        }
        return 0;
    }

    /** Power demand before the limit: idle plus a share of the range that follows utilisation. */
    private double demandFor(double u, long when) {
        double idle = model.idlePowerWatts();
        double limit = model.powerLimitWatts();
        long second = Math.floorDiv(when, 1000L);
        double p = u <= 0 ? idle * (1 + 0.02 * Noise.signed(key ^ 0x5bd1e995L, second))
                : idle + (limit - idle) * u * 1.04 + 0.01 * limit * Noise.signed(key ^ 0x5bd1e995L, second);
        if (when < brakeUntil) p = Math.min(p, idle + 0.2 * (limit - idle));
        return p;
    }

    private double powerFor(double u, long when) {
        double demand = demandFor(u, when);
        double limit = model.powerLimitWatts();
        // the power controller holds draw just under the limit
        return demand >= limit ? limit * (0.985 + 0.015 * Noise.unit(key ^ 0x27d4eb2fL, Math.floorDiv(when, 1000L)))
                : demand;
    }

    private double targetTemperature(double power, long when) {
        double slowdown = model.slowdownTemperatureCelsius();
        if (when < thermalUntil) return slowdown + THERMAL_FAULT_OVERSHOOT;
        // full power settles ~14 °C below slowdown: a healthy GPU under load is warm but not throttled
        return ambient + power / model.powerLimitWatts() * (slowdown - 14 - ambient);
    }

    private long leakRoom() {
        return Math.max(0, model.usableMemoryBytes() - workMemory - backgroundMemory());
    }

    private long backgroundMemory() {
        return backgroundLoad && work.isEmpty() && !lost ? bgMemoryBytes : 0;
    }

    private long leaked() {
        return (long) Math.min(leakedBytes, leakRoom());
    }

    // ---- reading -------------------------------------------------------------------------------

    /** The reading at the current time ({@link #advance} first). */
    GpuReading read() {
        if (lost) return GpuReading.lost(identity, t, GPU_IS_LOST);
        double[] v = GpuReading.emptyValues();
        double u = utilAt(t);
        double demand = demandFor(u, t);
        double power = powerFor(u, t);
        long used = model.baselineUsedBytes() + workMemory + backgroundMemory() + leaked();
        long total = model.memoryTotalBytes();
        long reserved = model.memoryReservedBytes();
        put(v, GpuField.MEMORY_TOTAL_BYTES, total);
        put(v, GpuField.MEMORY_USED_BYTES, used);
        put(v, GpuField.MEMORY_FREE_BYTES, total - reserved - used);
        put(v, GpuField.MEMORY_RESERVED_BYTES, reserved);
        put(v, GpuField.GPU_UTILIZATION_RATIO, Math.round(u * 100) / 100.0);
        put(v, GpuField.MEMORY_UTILIZATION_RATIO, Math.round(u * 55) / 100.0);
        long temp = Math.round(temperature);
        int slowdown = model.slowdownTemperatureCelsius();
        put(v, GpuField.GPU_TEMPERATURE_CELSIUS, temp);
        if (model.hasMemoryTemperature()) put(v, GpuField.MEMORY_TEMPERATURE_CELSIUS, temp + 3);
        put(v, GpuField.SLOWDOWN_TEMPERATURE_CELSIUS, slowdown);
        put(v, GpuField.POWER_USAGE_WATTS, Math.round(power * 1000) / 1000.0);
        put(v, GpuField.POWER_LIMIT_WATTS, model.powerLimitWatts());
        put(v, GpuField.ENERGY_JOULES_TOTAL, Math.floor(energyJoules * 1000) / 1000.0);

        long reasons = 0;
        int sm;
        int mem;
        int pstate;
        if (u < 0.005) {
            reasons |= IDLE_MASK;
            sm = model.idleSmClockMhz();
            mem = model.idleMemoryClockMhz();
            pstate = 8;
        } else {
            sm = model.maxSmClockMhz();
            mem = model.maxMemoryClockMhz();
            pstate = 0;
        }
        if (demand >= model.powerLimitWatts()) {
            reasons |= SW_POWER;
            sm = (int) (sm * 0.92);
        }
        if (temp >= slowdown) {
            reasons |= HW_THERMAL;
            sm = Math.min(sm, Math.max(model.idleSmClockMhz(), model.maxSmClockMhz() / 2));
        } else if (temp >= slowdown - 3) {
            reasons |= SW_THERMAL;
            sm = Math.min(sm, (int) (model.maxSmClockMhz() * 0.85));
        }
        if (t < brakeUntil) {
            reasons |= POWER_BRAKE;
            sm = Math.min(sm, Math.max(model.idleSmClockMhz(), (int) (model.maxSmClockMhz() * 0.3)));
        }
        put(v, GpuField.SM_CLOCK_HERTZ, sm * 1e6);
        put(v, GpuField.MEMORY_CLOCK_HERTZ, mem * 1e6);
        put(v, GpuField.PSTATE, pstate);
        put(v, GpuField.CLOCK_EVENT_REASONS, reasons);

        put(v, GpuField.ECC_SINGLE_BIT_VOLATILE_TOTAL, sbeVolatile);
        put(v, GpuField.ECC_DOUBLE_BIT_VOLATILE_TOTAL, dbeVolatile);
        put(v, GpuField.ECC_SINGLE_BIT_AGGREGATE_TOTAL, sbeAggregate);
        put(v, GpuField.ECC_DOUBLE_BIT_AGGREGATE_TOTAL, dbeAggregate);
        if (model.retiresPages()) {
            put(v, GpuField.RETIRED_PAGES_SINGLE_BIT, retiredSbe);
            put(v, GpuField.RETIRED_PAGES_DOUBLE_BIT, retiredDbe);
            put(v, GpuField.RETIRED_PAGES_PENDING, retiredPending);
        } else {
            put(v, GpuField.REMAPPED_ROWS_CORRECTABLE, remappedCorrectable);
            put(v, GpuField.REMAPPED_ROWS_UNCORRECTABLE, remappedUncorrectable);
            put(v, GpuField.ROW_REMAP_PENDING, remapPending);
            put(v, GpuField.ROW_REMAP_FAILURE, remapFailure);
        }
        put(v, GpuField.PCIE_REPLAY_TOTAL, pcieReplays);
        put(v, GpuField.PCIE_LINK_GENERATION, model.pcieGeneration());
        put(v, GpuField.PCIE_LINK_WIDTH, model.pcieWidth());
        if (model.supportsMig()) put(v, GpuField.MIG_MODE, 0);
        if (model.reportsRecoveryAction()) put(v, GpuField.RECOVERY_ACTION, recoveryAction);
        return new GpuReading(identity, t, false, v, nvLinks, processes(), unsupported);
    }

    /** PCIe throughput follows utilisation: inputs stream in, results trickle out. */
    void readSlow(GpuReading.Builder into) {
        if (lost) {
            into.fail(GpuField.PCIE_TX_BYTES_PER_SECOND, GPU_IS_LOST);
            into.fail(GpuField.PCIE_RX_BYTES_PER_SECOND, GPU_IS_LOST);
            return;
        }
        double u = utilAt(t);
        double bw = model.pcieBytesPerSecond();
        long second = Math.floorDiv(t, 1000L);
        double jitter = 1 + 0.1 * Noise.signed(key ^ 0x1b873593L, second);
        into.set(GpuField.PCIE_TX_BYTES_PER_SECOND, Math.round((0.5e6 + u * 0.08 * bw) * jitter));
        into.set(GpuField.PCIE_RX_BYTES_PER_SECOND, Math.round((1.0e6 + u * 0.18 * bw) * jitter));
    }

    private static void put(double[] v, GpuField f, double value) {
        v[f.ordinal()] = value;
    }

    private static double clamp01(double x) {
        return x < 0 ? 0 : Math.min(x, 1);
    }

    // ---- work ----------------------------------------------------------------------------------

    boolean lost() {
        return lost;
    }

    long workMemory() {
        return workMemory;
    }

    void addWork(RunningWork w) {
        work.add(w);
        recomputeWork();
    }

    boolean removeWork(String id) {
        boolean removed = work.removeIf(w -> w.id().equals(id));
        if (removed) recomputeWork();
        return removed;
    }

    List<RunningWork> work() {
        return List.copyOf(work);
    }

    private void recomputeWork() {
        double u = 0;
        long m = 0;
        for (RunningWork w : work) {
            u += w.workload().utilization();
            m += w.workload().memoryBytes();
        }
        workUtil = Math.min(1, u);
        workMemory = m;
        listsStale = true;
    }

    /** One process per workload; a leak shows in the oldest workload's process. */
    List<ProcessReading> processes() {
        if (listsStale || (leakRate > 0 && !work.isEmpty())) rebuildLists();
        return processes;
    }

    List<PodRef> pods() {
        if (listsStale || (leakRate > 0 && !work.isEmpty())) rebuildLists();
        return pods;
    }

    private void rebuildLists() {
        List<ProcessReading> procs = new ArrayList<>(work.size() + 1);
        List<PodRef> podRefs = new ArrayList<>(work.size());
        long leak = leaked();
        for (int i = 0; i < work.size(); i++) {
            RunningWork rw = work.get(i);
            Workload w = rw.workload();
            long used = w.memoryBytes() + (i == 0 ? leak : 0);
            procs.add(new ProcessReading(rw.pid(), used));
            podRefs.add(new PodRef(w.namespace(), w.pod(), w.container(), w.shareMemoryBytes(), w.shareCoreMilli(),
                    used));
        }
        if (work.isEmpty() && backgroundLoad && bgLevel > 0) procs.add(new ProcessReading(bgPid, bgMemoryBytes));
        processes = List.copyOf(procs);
        pods = List.copyOf(podRefs);
        listsStale = false;
    }

    // ---- faults --------------------------------------------------------------------------------

    List<ActiveFault> faults() {
        return List.copyOf(faults);
    }

    /** Applies a fault at the current time; events go to {@code events}. */
    void apply(Fault fault, Consumer<GpuEvent> events) {
        long now = t;
        if (fault instanceof Fault.Xid x) {
            if (x.code() == 79) {
                fallOffBus(events);
            } else if (x.code() == 48) {
                doubleBit(events);
            } else if (x.code() == 64 && model.remapsRows()) {
                remapFailure(events);
            } else {
                events.accept(GpuEvent.xid(identity.index(), identity.uuid(), x.code(), now));
            }
        } else if (fault instanceof Fault.EccDoubleBit) {
            doubleBit(events);
        } else if (fault instanceof Fault.EccSingleBit s) {
            sbeVolatile += s.count();
            sbeAggregate += s.count();
            events.accept(new GpuEvent(identity.index(), identity.uuid(), GpuEvent.Kind.SINGLE_BIT_ECC, 0, now));
        } else if (fault instanceof Fault.ThermalSlowdown th) {
            thermalUntil = Math.max(thermalUntil, now + th.duration().toMillis());
        } else if (fault instanceof Fault.FallOffBus) {
            fallOffBus(events);
        } else if (fault instanceof Fault.MemoryLeak leak) {
            leakRate += leak.bytesPerSecond();
            listsStale = true;
        } else if (fault instanceof Fault.RowRemapFailure) {
            remapFailure(events);
        } else if (fault instanceof Fault.PowerBrake b) {
            brakeUntil = Math.max(brakeUntil, now + b.duration().toMillis());
        }
        Duration d = fault.duration();
        faults.add(new ActiveFault(identity.node(), identity.index(), fault, now, d == null ? -1 : now + d.toMillis()));
    }

    private void fallOffBus(Consumer<GpuEvent> events) {
        lost = true;
        listsStale = true;
        events.accept(GpuEvent.xid(identity.index(), identity.uuid(), 79, t));
        events.accept(new GpuEvent(identity.index(), identity.uuid(), GpuEvent.Kind.GPU_LOST, 0, t));
    }

    private void doubleBit(Consumer<GpuEvent> events) {
        dbeVolatile++;
        dbeAggregate++;
        if (model.retiresPages()) {
            retiredDbe++;
            retiredPending = 1;
        } else {
            remappedUncorrectable++;
            remapPending = 1;
        }
        recoveryAction = Math.max(recoveryAction, 1);
        events.accept(new GpuEvent(identity.index(), identity.uuid(), GpuEvent.Kind.DOUBLE_BIT_ECC, 0, t));
        events.accept(GpuEvent.xid(identity.index(), identity.uuid(), 48, t));
    }

    private void remapFailure(Consumer<GpuEvent> events) {
        remapFailure = 1;
        recoveryAction = Math.max(recoveryAction, 1);
        events.accept(GpuEvent.xid(identity.index(), identity.uuid(), 64, t));
    }

    /**
     * Recovers the GPU as a reset would: back on the bus, leak freed, timed faults over, pending
     * retirements and remaps applied; volatile ECC counters restart at 0 (aggregates and remapped rows stay).
     *
     * @return how many active faults it ended
     */
    int reset() {
        int n = faults.size();
        faults.clear();
        lost = false;
        leakRate = 0;
        leakedBytes = 0;
        thermalUntil = Long.MIN_VALUE;
        brakeUntil = Long.MIN_VALUE;
        sbeVolatile = 0;
        dbeVolatile = 0;
        retiredPending = 0;
        remapPending = 0;
        remapFailure = 0;
        recoveryAction = 0;
        listsStale = true;
        return n;
    }
}
