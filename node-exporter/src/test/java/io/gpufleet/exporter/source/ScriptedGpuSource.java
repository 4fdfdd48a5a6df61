package io.gpufleet.exporter.source;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A GpuSource whose values tests set field by field: for the collector, health, exposition and HTTP tests,
 * which are about what the exporter does with readings, not where they come from.
 */
public final class ScriptedGpuSource implements GpuSource {
    private final String node;
    private final List<GpuIdentity> gpus = new ArrayList<>();
    private final Clock clock;
    private final Map<Integer, double[]> values = new ConcurrentHashMap<>();
    private final Map<Integer, Map<GpuField, String>> failures = new ConcurrentHashMap<>();
    private final Map<Integer, Boolean> lost = new ConcurrentHashMap<>();
    private final Map<Integer, RuntimeException> throwing = new ConcurrentHashMap<>();
    private final Map<Integer, List<ProcessReading>> processes = new ConcurrentHashMap<>();
    private final Map<Integer, List<NvLinkReading>> links = new ConcurrentHashMap<>();
    private final LinkedBlockingQueue<GpuEvent> events = new LinkedBlockingQueue<>();
    private Topology topology = Topology.empty();
    public volatile int reads;
    public volatile int slowReads;

    public ScriptedGpuSource(String node, int count, Clock clock) {
        this.node = node;
        this.clock = clock;
        for (int i = 0; i < count; i++) {
            gpus.add(new GpuIdentity(node, i, "GPU-" + node + "-" + i, "NVIDIA H100 80GB HBM3",
                    String.format("00000000:%02X:00.0", 0x17 + i), "SN" + i, i < count / 2 ? 0 : 1, i));
            double[] v = GpuReading.emptyValues();
            v[GpuField.MEMORY_TOTAL_BYTES.ordinal()] = 85520809984.0;
            v[GpuField.MEMORY_USED_BYTES.ordinal()] = 503316480.0;
            v[GpuField.MEMORY_FREE_BYTES.ordinal()] = 85017493504.0;
            v[GpuField.GPU_UTILIZATION_RATIO.ordinal()] = 0.0;
            v[GpuField.GPU_TEMPERATURE_CELSIUS.ordinal()] = 36;
            v[GpuField.POWER_USAGE_WATTS.ordinal()] = 72.402;
            v[GpuField.SM_CLOCK_HERTZ.ordinal()] = 345e6;
            v[GpuField.CLOCK_EVENT_REASONS.ordinal()] = 1;
            v[GpuField.ECC_DOUBLE_BIT_VOLATILE_TOTAL.ordinal()] = 0;
            v[GpuField.ENERGY_JOULES_TOTAL.ordinal()] = 1000;
            values.put(i, v);
        }
    }

    public ScriptedGpuSource set(int gpu, GpuField f, double v) {
        values.get(gpu)[f.ordinal()] = v;
        failures.computeIfAbsent(gpu, k -> new ConcurrentHashMap<>()).remove(f);
        return this;
    }

    public ScriptedGpuSource fail(int gpu, GpuField f, String why) {
        failures.computeIfAbsent(gpu, k -> new ConcurrentHashMap<>()).put(f, why);
        return this;
    }

    public ScriptedGpuSource lose(int gpu) {
        lost.put(gpu, true);
        return this;
    }

    public ScriptedGpuSource throwOnRead(int gpu, RuntimeException e) {
        throwing.put(gpu, e);
        return this;
    }

    public ScriptedGpuSource processes(int gpu, List<ProcessReading> p) {
        processes.put(gpu, p);
        return this;
    }

    public ScriptedGpuSource nvLinks(int gpu, List<NvLinkReading> l) {
        links.put(gpu, l);
        return this;
    }

    public ScriptedGpuSource topology(Topology t) {
        this.topology = t;
        return this;
    }

    public void push(GpuEvent e) {
        events.add(e);
    }

    @Override
    public String node() {
        return node;
    }

    @Override
    public List<GpuIdentity> gpus() {
        return gpus;
    }

    @Override
    public GpuReading read(GpuIdentity gpu) {
        reads++;
        RuntimeException t = throwing.get(gpu.index());
        if (t != null) throw t;
        if (lost.containsKey(gpu.index())) return GpuReading.lost(gpu, clock.millis(), "GPU_IS_LOST");
        GpuReading.Builder b = new GpuReading.Builder(gpu, clock.millis());
        double[] v = values.get(gpu.index());
        for (GpuField f : GpuField.values()) {
            if (f.slow()) continue;
            if (!Double.isNaN(v[f.ordinal()])) b.set(f, v[f.ordinal()]);
        }
        failures.getOrDefault(gpu.index(), Map.of()).forEach((f, why) -> {
            if (!f.slow()) b.fail(f, why);
        });
        b.processes(processes.getOrDefault(gpu.index(), List.of()));
        b.nvLinks(links.getOrDefault(gpu.index(), List.of()));
        return b.build();
    }

    @Override
    public void readSlow(GpuIdentity gpu, GpuReading.Builder into) {
        slowReads++;
        double[] v = values.get(gpu.index());
        for (GpuField f : GpuField.values()) {
            if (!f.slow()) continue;
            String why = failures.getOrDefault(gpu.index(), Map.of()).get(f);
            if (why != null) into.fail(f, why);
            else if (!Double.isNaN(v[f.ordinal()])) into.set(f, v[f.ordinal()]);
        }
    }

    @Override
    public Topology topology() {
        return topology;
    }

    @Override
    public List<GpuEvent> awaitEvents(Duration timeout) throws InterruptedException {
        GpuEvent first = events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (first == null) return List.of();
        List<GpuEvent> out = new ArrayList<>();
        out.add(first);
        events.drainTo(out);
        return out;
    }

    @Override
    public String describe() {
        return "scripted";
    }

    @Override
    public void close() {}
}
