package io.gpufleet.exporter.collect;

import io.gpufleet.exporter.attribution.PodRef;
import io.gpufleet.exporter.attribution.PodResolver;
import io.gpufleet.exporter.health.GpuHealth;
import io.gpufleet.exporter.health.HealthEvaluator;
import io.gpufleet.exporter.source.GpuEvent;
import io.gpufleet.exporter.source.GpuField;
import io.gpufleet.exporter.source.GpuIdentity;
import io.gpufleet.exporter.source.GpuReading;
import io.gpufleet.exporter.source.GpuSource;
import io.gpufleet.exporter.source.Topology;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The exporter's collection loop. Three threads touch the source, each with its own job:
 * <ul>
 *   <li>the regular pass reads every GPU every {@code interval} and publishes an immutable {@link NodeSnapshot};</li>
 *   <li>the slow pass samples PCIe throughput every {@code slowInterval}; the regular pass merges its last values;</li>
 *   <li>the event thread blocks on the source's event set, so no XID between two passes is lost.</li>
 * </ul>
 * Scrapes and publishers read {@link #snapshot()} only. A failing source call never stops the loop.
 */
public final class Collector implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Collector.class);

    private final GpuSource source;
    private final PodResolver pods;
    private final HealthEvaluator health;
    private final Clock clock;
    private final CollectorSettings settings;
    private final List<GpuIdentity> gpus;
    private final Topology topology;
    private final List<Consumer<NodeSnapshot>> listeners = new CopyOnWriteArrayList<>();

    /** Per GPU index: XID code → stat. Written by the event thread, read by the pass. */
    private final Map<Integer, Map<Long, XidStat>> xids = new ConcurrentHashMap<>();
    private final Map<Integer, AtomicLong> dbeEvents = new ConcurrentHashMap<>();
    private final Map<Integer, AtomicLong> sbeEvents = new ConcurrentHashMap<>();
    /** GPUs the event thread saw lost; they stay lost until the exporter restarts (as the driver does). */
    private final Map<Integer, Boolean> lostByEvent = new ConcurrentHashMap<>();
    /** Last slow-field readings per GPU index. */
    private final Map<Integer, GpuReading> slow = new ConcurrentHashMap<>();
    private final Map<Integer, HealthEvaluator.SlowdownTracker> slowdowns = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> fieldErrors = new ConcurrentHashMap<>();

    private final Object passLock = new Object();
    private volatile NodeSnapshot snapshot;
    private long passes;
    private ScheduledExecutorService scheduler;
    private Thread eventThread;
    private volatile boolean running;

    public Collector(GpuSource source, PodResolver pods, HealthEvaluator health, Clock clock,
                     CollectorSettings settings) {
        this.source = source;
        this.pods = pods;
        this.health = health;
        this.clock = clock;
        this.settings = settings;
        this.gpus = List.copyOf(source.gpus());
        this.topology = safeTopology(source);
        for (GpuIdentity g : gpus) slowdowns.put(g.index(), new HealthEvaluator.SlowdownTracker());
        this.snapshot = new NodeSnapshot(source.node(), clock.millis(), 0, List.of(), topology,
                new NodeSnapshot.CollectionStats(0, 0, Map.of(), source.describe()));
    }

    private static Topology safeTopology(GpuSource source) {
        try {
            return source.topology();
        } catch (RuntimeException e) {
            log.warn("reading GPU topology of {} failed; exporting none: {}", source.node(), e.toString());
            return Topology.empty();
        }
    }

    /** Called after every pass with the new snapshot, on the collection thread: must not block. */
    public void addListener(Consumer<NodeSnapshot> listener) {
        listeners.add(listener);
    }

    public NodeSnapshot snapshot() {
        return snapshot;
    }

    public List<GpuIdentity> gpus() {
        return gpus;
    }

    public CollectorSettings settings() {
        return settings;
    }

    /** Starts the three loops; the first regular pass runs at once. */
    public synchronized void start() {
        if (running) return;
        running = true;
        String node = source.node();
        scheduler = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "gpufleet-collect-" + node);
            t.setDaemon(true);
            return t;
        });
        // Slow readings first, so the first regular pass already has them where possible.
        scheduler.scheduleWithFixedDelay(this::slowPassSafely, 0, settings.slowInterval().toMillis(), TimeUnit.MILLISECONDS);
        scheduler.scheduleAtFixedRate(this::passSafely, 0, settings.interval().toMillis(), TimeUnit.MILLISECONDS);
        eventThread = new Thread(this::eventLoop, "gpufleet-events-" + node);
        eventThread.setDaemon(true);
        eventThread.start();
    }

    private void passSafely() {
        try {
            collectOnce();
        } catch (RuntimeException e) {
            log.error("collection pass on {} failed", source.node(), e);
        }
    }

    private void slowPassSafely() {
        try {
            collectSlowOnce();
        } catch (RuntimeException e) {
            log.error("slow collection pass on {} failed", source.node(), e);
        }
    }

    private void eventLoop() {
        while (running) {
            try {
                recordEvents(source.awaitEvents(settings.eventWait()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                // A broken event set must not spin: back off one wait period.
                log.warn("waiting for GPU events on {} failed: {}", source.node(), e.toString());
                try {
                    Thread.sleep(settings.eventWait().toMillis());
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Records events (XID counters never reset; last-seen updated). Public so tests can drive it. */
    public void recordEvents(List<GpuEvent> events) {
        for (GpuEvent e : events) {
            switch (e.kind()) {
                case XID -> xids.computeIfAbsent(e.gpuIndex(), k -> new ConcurrentHashMap<>())
                        .merge(e.code(), new XidStat(e.code(), 1, e.timestampMillis()),
                                (a, b) -> new XidStat(a.xid(), a.count() + 1, Math.max(a.lastSeenMillis(), b.lastSeenMillis())));
                case DOUBLE_BIT_ECC -> dbeEvents.computeIfAbsent(e.gpuIndex(), k -> new AtomicLong()).incrementAndGet();
                case SINGLE_BIT_ECC -> sbeEvents.computeIfAbsent(e.gpuIndex(), k -> new AtomicLong()).incrementAndGet();
                case GPU_LOST -> lostByEvent.put(e.gpuIndex(), Boolean.TRUE);
            }
            if (e.kind() != GpuEvent.Kind.SINGLE_BIT_ECC) {
                log.warn("GPU event on {} gpu {} ({}): {} {}", source.node(), e.gpuIndex(), e.uuid(), e.kind(),
                        e.kind() == GpuEvent.Kind.XID ? e.code() : "");
            }
        }
    }

    /** One slow pass: polled attribution sources, then every GPU's slow fields. */
    public void collectSlowOnce() {
        try {
            pods.refresh();
        } catch (RuntimeException e) {
            log.warn("refreshing pod attribution on {} failed: {}", source.node(), e.toString());
        }
        for (GpuIdentity g : gpus) {
            if (lostByEvent.containsKey(g.index())) continue;
            GpuReading.Builder b = new GpuReading.Builder(g, clock.millis());
            try {
                source.readSlow(g, b);
            } catch (RuntimeException e) {
                for (GpuField f : GpuField.values()) if (f.slow()) b.fail(f, "ERROR");
            }
            slow.put(g.index(), b.build());
        }
    }

    /** One regular pass: reads every GPU, evaluates health, publishes and returns the snapshot. */
    public NodeSnapshot collectOnce() {
        synchronized (passLock) {
            long start = System.nanoTime();
            List<GpuState> states = new ArrayList<>(gpus.size());
            for (GpuIdentity g : gpus) states.add(collectGpu(g));
            long now = clock.millis();
            passes++;
            Map<String, Long> errors = new TreeMap<>();
            fieldErrors.forEach((k, v) -> errors.put(k, v.get()));
            double seconds = (System.nanoTime() - start) / 1e9;
            NodeSnapshot s = new NodeSnapshot(source.node(), now, passes, states, topology,
                    new NodeSnapshot.CollectionStats(seconds, passes, errors, source.describe()));
            for (Consumer<NodeSnapshot> l : listeners) {
                try {
                    l.accept(s);
                } catch (RuntimeException e) {
                    log.warn("snapshot listener failed: {}", e.toString());
                }
            }
            // Published last, so whoever sees this snapshot also sees what the listeners made of it (the exposition).
            snapshot = s;
            return s;
        }
    }

    private GpuState collectGpu(GpuIdentity g) {
        long now = clock.millis();
        GpuReading r;
        if (lostByEvent.containsKey(g.index())) {
            r = GpuReading.lost(g, now, "GPU_IS_LOST");
        } else {
            try {
                r = mergeSlow(source.read(g));
            } catch (RuntimeException e) {
                log.warn("reading gpu {} on {} failed: {}", g.index(), source.node(), e.toString());
                r = GpuReading.lost(g, now, "ERROR");
            }
        }
        if (!r.lost()) {
            // NOT_SUPPORTED is a property of the GPU, not a failing read: it shows as an unavailable field only.
            r.errors().forEach((f, why) -> {
                if (!"NOT_SUPPORTED".equals(why)) {
                    fieldErrors.computeIfAbsent(f.name().toLowerCase(java.util.Locale.ROOT), k -> new AtomicLong())
                            .incrementAndGet();
                }
            });
        }
        List<XidStat> xidList = new ArrayList<>(xids.getOrDefault(g.index(), Map.of()).values());
        xidList.sort((a, b) -> Long.compare(a.xid(), b.xid()));
        GpuHealth h = health.evaluate(r, xidList, slowdowns.get(g.index()), now);
        List<PodRef> podRefs;
        try {
            podRefs = pods.podsFor(g, r.processes());
        } catch (RuntimeException e) {
            podRefs = List.of();
        }
        return new GpuState(r, h, podRefs, xidList, count(dbeEvents, g.index()), count(sbeEvents, g.index()));
    }

    private static long count(Map<Integer, AtomicLong> m, int index) {
        AtomicLong a = m.get(index);
        return a == null ? 0 : a.get();
    }

    private GpuReading mergeSlow(GpuReading r) {
        GpuReading s = slow.get(r.gpu().index());
        if (s == null || r.lost()) return r;
        double[] values = r.values().clone();
        Map<GpuField, String> errors = new EnumMap<>(GpuField.class);
        errors.putAll(r.errors());
        for (GpuField f : GpuField.values()) {
            if (!f.slow()) continue;
            values[f.ordinal()] = s.value(f);
            errors.remove(f);
            String why = s.errors().get(f);
            if (why != null) errors.put(f, why);
        }
        return new GpuReading(r.gpu(), r.timestampMillis(), false, values, r.nvLinks(), r.processes(), errors);
    }

    @Override
    public synchronized void close() {
        running = false;
        if (scheduler != null) scheduler.shutdownNow();
        if (eventThread != null) {
            eventThread.interrupt();
            try {
                eventThread.join(settings.eventWait().toMillis() + 1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
