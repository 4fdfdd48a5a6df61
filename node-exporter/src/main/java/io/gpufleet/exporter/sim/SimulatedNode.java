package io.gpufleet.exporter.sim;

import io.gpufleet.exporter.attribution.PodRef;
import io.gpufleet.exporter.attribution.PodResolver;
import io.gpufleet.exporter.source.GpuEvent;
import io.gpufleet.exporter.source.GpuIdentity;
import io.gpufleet.exporter.source.GpuReading;
import io.gpufleet.exporter.source.GpuSource;
import io.gpufleet.exporter.source.ProcessReading;
import io.gpufleet.exporter.source.Topology;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One node of a {@link SimulatedFleet}: a {@link GpuSource} for its exporter and a {@link PodResolver}
 * that knows which pods run on which GPU. State advances lazily to {@code clock.millis()} on every call,
 * so readings depend only on the seed, the clock values and the calls made (work, faults).
 *
 * <p>Thread-safe: the collection loop, the event thread and the control API may call concurrently.
 */
public final class SimulatedNode implements GpuSource, PodResolver {

    /** How long a randomly injected lasting fault stays before the simulated operator resets the GPU. */
    static final Duration RANDOM_REPAIR_AFTER = Duration.ofMinutes(10);

    private final String name;
    private final NodeSpec spec;
    private final Clock clock;
    private final long seed;
    private final List<GpuIdentity> identities;
    private final SimGpu[] gpus;
    private final Topology topology;
    private final LinkedBlockingQueue<GpuEvent> events = new LinkedBlockingQueue<>();
    private final PriorityQueue<Pending> pending =
            new PriorityQueue<>(Comparator.comparingLong(Pending::at).thenComparingLong(Pending::seq));
    private final RandomFaults randomFaults;
    private final Object lock = new Object();
    private final RandomFaults.Sink enqueue = this::enqueue;
    private long pendingSeq;
    private long nextPid;
    private long lastSync;

    /** An action due at a clock time: a fault, or a reset when {@code fault} is null. */
    private record Pending(long at, long seq, int gpu, Fault fault) {}

    SimulatedNode(String name, int nodeIndex, NodeSpec spec, SimulationConfig config, Clock clock, long startMillis) {
        this.name = name;
        this.spec = spec;
        this.clock = clock;
        this.seed = config.seed();
        this.topology = spec.shape().topology(spec.model(), spec.gpus());
        SplittableRandom nodeRng = new SplittableRandom(Noise.mix(config.seed() * 31 + nodeIndex));
        this.nextPid = 2000 + nodeRng.nextLong(60_000);
        List<GpuIdentity> ids = new ArrayList<>(spec.gpus());
        this.gpus = new SimGpu[spec.gpus()];
        for (int i = 0; i < spec.gpus(); i++) {
            SplittableRandom rng = new SplittableRandom(Noise.mix(Noise.mix(config.seed()) ^ (nodeIndex * 1_000_003L + i)));
            GpuIdentity id = new GpuIdentity(name, i, uuid(rng), spec.model().productName(), NodeShape.pciBusId(i),
                    serial(rng), spec.shape().numaNode(spec.gpus(), i), i);
            ids.add(id);
            gpus[i] = new SimGpu(id, spec.model(), spec.shape().activeLinks(spec.model(), spec.gpus(), i),
                    config.backgroundLoad(), rng, startMillis);
        }
        this.identities = List.copyOf(ids);
        this.randomFaults = config.randomFaultsPerNodeHour() > 0
                ? new RandomFaults(config.randomFaultsPerNodeHour(), spec,
                        new SplittableRandom(Noise.mix(config.seed() ^ 0x6a09e667f3bcc909L) + nodeIndex), startMillis)
                : null;
        this.lastSync = startMillis;
    }

    private static String uuid(SplittableRandom rng) {
        long hi = rng.nextLong();
        long lo = rng.nextLong();
        return String.format("GPU-%08x-%04x-%04x-%04x-%012x", hi >>> 32, (hi >>> 16) & 0xffff, hi & 0xffff,
                (lo >>> 48) & 0xffff, lo & 0xffffffffffffL);
    }

    private static String serial(SplittableRandom rng) {
        return Long.toString(1_320_000_000_000L + rng.nextLong(100_000_000_000L));
    }

    // ---- GpuSource -----------------------------------------------------------------------------

    @Override
    public String node() {
        return name;
    }

    @Override
    public List<GpuIdentity> gpus() {
        return identities;
    }

    @Override
    public GpuReading read(GpuIdentity gpu) {
        SimGpu g = gpu(gpu);
        synchronized (lock) {
            long now = sync();
            g.advance(now);
            return g.read();
        }
    }

    @Override
    public void readSlow(GpuIdentity gpu, GpuReading.Builder into) {
        SimGpu g = gpu(gpu);
        synchronized (lock) {
            long now = sync();
            g.advance(now);
            g.readSlow(into);
        }
    }

    @Override
    public Topology topology() {
        return topology;
    }

    @Override
    public List<GpuEvent> awaitEvents(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<GpuEvent> out = new ArrayList<>();
        while (true) {
            long untilDue;
            synchronized (lock) {
                long now = sync();
                untilDue = nextDueMillis() - now;
            }
            if (events.drainTo(out) > 0) return out;
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) return out;
            // wake up when a scheduled fault falls due, so its events are not held back a whole timeout
            long wait = Math.min(remaining, TimeUnit.MILLISECONDS.toNanos(Math.max(1, untilDue)));
            GpuEvent first = events.poll(wait, TimeUnit.NANOSECONDS);
            if (first != null) {
                out.add(first);
                events.drainTo(out);
                return out;
            }
        }
    }

    @Override
    public String describe() {
        return "simulated " + spec.gpus() + "x " + spec.model().productName() + " (" + spec.shape().key()
                + "), seed " + seed;
    }

    /** The fleet owns the node's state; closing one exporter's view of it changes nothing. */
    @Override
    public void close() {}

    // ---- PodResolver ---------------------------------------------------------------------------

    @Override
    public List<PodRef> podsFor(GpuIdentity gpu, List<ProcessReading> processes) {
        SimGpu g = gpu(gpu);
        synchronized (lock) {
            long now = sync();
            g.advance(now);
            return g.pods();
        }
    }

    // ---- the node itself -----------------------------------------------------------------------

    /** Model, GPU count and shape of this node. */
    public NodeSpec spec() {
        return spec;
    }

    /** Work running on this node, by GPU then start order. */
    public List<RunningWork> work() {
        synchronized (lock) {
            sync();
            List<RunningWork> out = new ArrayList<>();
            for (SimGpu g : gpus) out.addAll(g.work());
            return out;
        }
    }

    /** Faults in effect on this node, by GPU then injection order. */
    public List<ActiveFault> faults() {
        synchronized (lock) {
            long now = sync();
            List<ActiveFault> out = new ArrayList<>();
            for (SimGpu g : gpus) {
                g.advance(now);
                out.addAll(g.faults());
            }
            return out;
        }
    }

    RunningWork start(String id, int gpu, Workload w) {
        SimGpu g = gpuAt(gpu);
        synchronized (lock) {
            long now = sync();
            g.advance(now);
            if (g.lost()) throw new InvalidFieldException("gpu", name + " GPU " + gpu + " is lost (fallen off the bus)");
            long free = g.model.usableMemoryBytes() - g.workMemory();
            if (w.memoryBytes() > free) {
                throw new InvalidFieldException("memoryBytes", w.memoryBytes() + " bytes do not fit on " + name
                        + " GPU " + gpu + " (" + g.model.key() + ", " + free + " bytes free for work)");
            }
            RunningWork rw = new RunningWork(id, name, gpu, g.identity.uuid(), w, nextPid++, now);
            g.addWork(rw);
            return rw;
        }
    }

    boolean stop(String id, int gpu) {
        SimGpu g = gpuAt(gpu);
        synchronized (lock) {
            long now = sync();
            g.advance(now);
            return g.removeWork(id);
        }
    }

    void inject(int gpu, Fault fault) {
        SimGpu g = gpuAt(gpu);
        String why = SimulatedFleet.unsupported(spec.model(), fault);
        if (why != null) throw new InvalidFieldException("fault", why);
        synchronized (lock) {
            long now = sync();
            g.advance(now);
            g.apply(fault, events::add);
        }
    }

    int clear(int gpu) {
        SimGpu g = gpuAt(gpu);
        synchronized (lock) {
            long now = sync();
            g.advance(now);
            return g.reset();
        }
    }

    void schedule(long at, int gpu, Fault fault) {
        synchronized (lock) {
            pending.add(new Pending(at, pendingSeq++, gpu, fault));
        }
    }

    private SimGpu gpu(GpuIdentity id) {
        if (id == null || !name.equals(id.node()) || id.index() < 0 || id.index() >= gpus.length
                || !gpus[id.index()].identity.uuid().equals(id.uuid())) {
            throw new IllegalArgumentException("not a GPU of " + name + ": " + id);
        }
        return gpus[id.index()];
    }

    private SimGpu gpuAt(int index) {
        if (index < 0 || index >= gpus.length) {
            throw new InvalidFieldException("gpu", name + " has GPUs 0.." + (gpus.length - 1) + ", no GPU " + index);
        }
        return gpus[index];
    }

    /**
     * Applies every scheduled or random action due by now, each at its own time, and returns now. A clock
     * that steps back is held at the latest time seen, so counters never run backwards.
     */
    private long sync() {
        long now = Math.max(clock.millis(), lastSync);
        lastSync = now;
        if (randomFaults != null) randomFaults.generateUntil(now, enqueue);
        while (!pending.isEmpty() && pending.peek().at() <= now) {
            Pending p = pending.poll();
            SimGpu g = gpus[p.gpu()];
            g.advance(p.at());
            if (p.fault() == null) {
                g.reset();
            } else {
                g.apply(p.fault(), events::add);
            }
        }
        return now;
    }

    private void enqueue(long at, int gpu, Fault fault) {
        pending.add(new Pending(at, pendingSeq++, gpu, fault));
    }

    private long nextDueMillis() {
        long next = pending.isEmpty() ? Long.MAX_VALUE : pending.peek().at();
        if (randomFaults != null) next = Math.min(next, randomFaults.nextAt());
        return next;
    }

    /** Produces random faults as a seeded Poisson process, with a reset some minutes after each lasting one. */
    static final class RandomFaults {
        interface Sink {
            void add(long at, int gpu, Fault fault);
        }

        private final double meanGapMillis;
        private final NodeSpec spec;
        private final SplittableRandom rng;
        private long nextAt;

        RandomFaults(double perHour, NodeSpec spec, SplittableRandom rng, long startMillis) {
            this.meanGapMillis = 3_600_000.0 / perHour;
            this.spec = spec;
            this.rng = rng;
            this.nextAt = startMillis + gap();
        }

        long nextAt() {
            return nextAt;
        }

        void generateUntil(long now, Sink sink) {
            while (nextAt <= now) {
                int gpu = rng.nextInt(spec.gpus());
                Fault f = pick();
                sink.add(nextAt, gpu, f);
                if (f.duration() == null && lasting(f)) {
                    sink.add(nextAt + RANDOM_REPAIR_AFTER.toMillis(), gpu, null);
                }
                nextAt += gap();
            }
        }

        private long gap() {
            return 1 + (long) (-StrictMath.log(1 - rng.nextDouble()) * meanGapMillis);
        }

        /** Faults that keep a GPU unhealthy until a reset (one-off XIDs and corrected errors do not). */
        private static boolean lasting(Fault f) {
            return !(f instanceof Fault.Xid x && x.code() != 79 && x.code() != 48)
                    && !(f instanceof Fault.EccSingleBit);
        }

        private Fault pick() {
            double r = rng.nextDouble();
            if (r < 0.25) return new Fault.Xid(13);
            if (r < 0.40) return new Fault.Xid(31);
            if (r < 0.60) return new Fault.EccSingleBit(1 + rng.nextInt(5));
            if (r < 0.72) return new Fault.ThermalSlowdown(Duration.ofSeconds(60 + rng.nextInt(120)));
            if (r < 0.80) return new Fault.PowerBrake(Duration.ofSeconds(30 + rng.nextInt(60)));
            if (r < 0.86) return new Fault.EccDoubleBit();
            if (r < 0.91) return new Fault.FallOffBus();
            if (r < 0.96) return new Fault.MemoryLeak(32L * 1024 * 1024 * (1 + rng.nextInt(4)));
            return spec.model().remapsRows() ? new Fault.RowRemapFailure() : new Fault.Xid(43);
        }
    }
}
