package io.gpufleet.exporter.nvml;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.gpufleet.exporter.source.GpuEvent;
import io.gpufleet.exporter.source.GpuField;
import io.gpufleet.exporter.source.GpuIdentity;
import io.gpufleet.exporter.source.GpuPair;
import io.gpufleet.exporter.source.GpuReading;
import io.gpufleet.exporter.source.GpuSource;
import io.gpufleet.exporter.source.PathLevel;
import io.gpufleet.exporter.source.Topology;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The GPUs of this host, read through NVML (JNA, no JNI code of our own).
 *
 * <p>Open with {@link #open(String)} (system library, or the one named by
 * {@value NvmlLibrary#LIBRARY_PROPERTY}) or {@link #open(NvmlLibrary, Settings)}. Thread use follows
 * {@link GpuSource}: one thread calls {@link #read}, one {@link #readSlow}, one {@link #awaitEvents};
 * each path has its own native buffers. A GPU that answers GPU_IS_LOST to any call stays lost until the
 * source is reopened (NVML needs a GPU reset for it anyway) and is reported once as a
 * {@link GpuEvent.Kind#GPU_LOST} event.
 */
public final class NvmlGpuSource implements GpuSource {
    private static final Logger log = LoggerFactory.getLogger(NvmlGpuSource.class);
    static final String LOST = NvmlReturn.name(NvmlReturn.GPU_IS_LOST);
    private static final int NVLINK_DEVICE_TYPE_SWITCH = 1;

    /**
     * How to open the source.
     *
     * @param node    host name reported in every {@link GpuIdentity}
     * @param sysRoot where sysfs is mounted (NUMA nodes are read under it), normally {@code /sys}
     * @param clock   timestamps of readings and events
     */
    public record Settings(String node, Path sysRoot, Clock clock) {
        public Settings {
            Objects.requireNonNull(node, "node");
            Objects.requireNonNull(sysRoot, "sysRoot");
            Objects.requireNonNull(clock, "clock");
            if (node.isBlank()) throw new IllegalArgumentException("node must not be blank");
        }

        public static Settings defaults(String node) {
            return new Settings(node, Path.of("/sys"), Clock.systemUTC());
        }
    }

    private final NvmlLibrary lib;
    private final Settings settings;
    private final String driverVersion;
    private final List<NvmlDevice> devices;
    private final List<GpuIdentity> identities;
    private final NvmlEvents events;
    private final ConcurrentLinkedQueue<GpuEvent> pendingEvents = new ConcurrentLinkedQueue<>();
    /** Readers hold the read lock during native calls; close takes the write lock, so it never frees under them. */
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private volatile boolean closed;
    private Topology topology;

    private NvmlGpuSource(NvmlLibrary lib, Settings settings, String driverVersion, List<NvmlDevice> devices) {
        this.lib = lib;
        this.settings = settings;
        this.driverVersion = driverVersion;
        this.devices = List.copyOf(devices);
        this.identities = devices.stream().map(d -> d.identity).toList();
        this.events = NvmlEvents.open(lib, this.devices);
    }

    /** Opens NVML from the system (or {@value NvmlLibrary#LIBRARY_PROPERTY}) with default settings. */
    public static NvmlGpuSource open(String node) {
        return open(NvmlLibrary.load(), Settings.defaults(node));
    }

    /**
     * Initialises NVML and finds the GPUs.
     *
     * @throws NvmlException when init or the device count fails (the message names the call and NVML's error)
     */
    public static NvmlGpuSource open(NvmlLibrary lib, Settings settings) {
        int rc = lib.call(NvmlFunction.INIT);
        if (rc != NvmlReturn.SUCCESS) {
            throw new NvmlException(lib.symbol(NvmlFunction.INIT).orElse("nvmlInit") + " failed: " + lib.describe(rc)
                    + " (library " + lib.location() + ")", rc);
        }
        try {
            Memory buf = new Memory(96);
            String driver = "unknown";
            rc = lib.call(NvmlFunction.SYSTEM_DRIVER_VERSION, buf, 80);
            if (rc == NvmlReturn.SUCCESS) driver = buf.getString(0, StandardCharsets.US_ASCII.name());
            rc = lib.call(NvmlFunction.DEVICE_COUNT, buf);
            if (rc != NvmlReturn.SUCCESS) {
                throw new NvmlException(lib.symbol(NvmlFunction.DEVICE_COUNT).orElseThrow() + " failed: "
                        + lib.describe(rc), rc);
            }
            int count = buf.getInt(0);
            List<NvmlDevice> devices = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                NvmlDevice d = openDevice(lib, settings, i);
                if (d != null) devices.add(d);
            }
            NvmlGpuSource source = new NvmlGpuSource(lib, settings, driver, devices);
            log.info("NVML opened: driver {}, {} of {} GPU(s), library {}", driver, devices.size(), count,
                    lib.location());
            return source;
        } catch (RuntimeException e) {
            lib.call(NvmlFunction.SHUTDOWN);
            throw e;
        }
    }

    /** A GPU whose handle or UUID cannot be read (no permission, lost) is left out with a warning. */
    private static NvmlDevice openDevice(NvmlLibrary lib, Settings settings, int index) {
        Memory buf = new Memory(96);
        int rc = lib.call(NvmlFunction.HANDLE_BY_INDEX, index, buf);
        if (rc != NvmlReturn.SUCCESS) {
            log.warn("GPU {} skipped: no handle ({})", index, lib.describe(rc));
            return null;
        }
        Pointer handle = buf.getPointer(0);
        rc = lib.call(NvmlFunction.UUID, handle, buf, 96);
        if (rc != NvmlReturn.SUCCESS) {
            log.warn("GPU {} skipped: no UUID ({})", index, lib.describe(rc));
            return null;
        }
        String uuid = buf.getString(0, "US-ASCII");
        String name = string(lib, NvmlFunction.NAME, handle, buf);
        String serial = string(lib, NvmlFunction.SERIAL, handle, buf);
        int minor = -1;
        if (lib.call(NvmlFunction.MINOR_NUMBER, handle, buf) == NvmlReturn.SUCCESS) minor = buf.getInt(0);
        String busId = "";
        int numa = -1;
        NvmlStructs.PciInfo pci = new NvmlStructs.PciInfo();
        rc = lib.call(NvmlFunction.PCI_INFO, handle, pci);
        if (rc == NvmlReturn.SUCCESS) {
            try {
                PciBusId id = PciBusId.parse(pci.busIdString());
                busId = id.nvmlForm();
                numa = id.numaNode(settings.sysRoot());
            } catch (IllegalArgumentException e) {
                busId = pci.busIdString();
                log.warn("GPU {}: unexpected PCI bus id '{}'", index, busId);
            }
        } else {
            log.warn("GPU {}: PCI info unavailable ({})", index, NvmlReturn.name(rc));
        }
        GpuIdentity identity = new GpuIdentity(settings.node(), index, uuid, name, busId, serial, numa, minor);
        return new NvmlDevice(lib, handle, identity);
    }

    private static String string(NvmlLibrary lib, NvmlFunction fn, Pointer handle, Memory buf) {
        buf.clear();
        int rc = lib.call(fn, handle, buf, (int) buf.size());
        return rc == NvmlReturn.SUCCESS ? buf.getString(0, "US-ASCII") : "";
    }

    @Override
    public String node() {
        return settings.node();
    }

    @Override
    public List<GpuIdentity> gpus() {
        return identities;
    }

    /** The driver version NVML reported at open, or {@code unknown}. */
    public String driverVersion() {
        return driverVersion;
    }

    /** The bound library (which symbols it uses, where it came from). */
    public NvmlLibrary library() {
        return lib;
    }

    @Override
    public GpuReading read(GpuIdentity gpu) {
        NvmlDevice d = device(gpu);
        long now = settings.clock().millis();
        if (d.lost()) return GpuReading.lost(d.identity, now, LOST);
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            return d.read(now);
        } catch (NvmlDevice.Lost e) {
            markLost(d);
            return GpuReading.lost(d.identity, now, LOST);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    @Override
    public void readSlow(GpuIdentity gpu, GpuReading.Builder into) {
        NvmlDevice d = device(gpu);
        if (!d.lost()) {
            lifecycle.readLock().lock();
            try {
                ensureOpen();
                d.readSlow(into);
                return;
            } catch (NvmlDevice.Lost e) {
                markLost(d);
            } finally {
                lifecycle.readLock().unlock();
            }
        }
        for (GpuField f : GpuField.values()) {
            if (f.slow()) into.fail(f, LOST);
        }
    }

    @Override
    public synchronized Topology topology() {
        if (topology == null) {
            lifecycle.readLock().lock();
            try {
                ensureOpen();
                topology = readTopology();
            } finally {
                lifecycle.readLock().unlock();
            }
        }
        return topology;
    }

    /** NVLink pairs first (direct links, or both GPUs on NVSwitches); the PCIe common ancestor otherwise. */
    private Topology readTopology() {
        int n = devices.size();
        Map<PciBusId, Integer> byBus = new HashMap<>();
        for (int i = 0; i < n; i++) {
            String bus = devices.get(i).identity.pciBusId();
            if (!bus.isEmpty()) byBus.put(PciBusId.parse(bus), i);
        }
        int[][] links = new int[n][n];
        int[] switchLinks = new int[n];
        Memory out = new Memory(8);
        NvmlStructs.PciInfo pci = new NvmlStructs.PciInfo();
        for (int i = 0; i < n; i++) {
            NvmlDevice d = devices.get(i);
            if (d.lost()) continue;
            for (int link = 0; link < NvmlDevice.NVLINK_MAX_LINKS; link++) {
                int rc = lib.call(NvmlFunction.NVLINK_STATE, d.handle, link, out);
                if (rc == NvmlReturn.GPU_IS_LOST) {
                    markLost(d);
                    break;
                }
                if (rc != NvmlReturn.SUCCESS) {
                    if (rc == NvmlReturn.NOT_SUPPORTED || rc == NvmlReturn.INVALID_ARGUMENT
                            || rc == NvmlReturn.FUNCTION_NOT_FOUND) break;
                    continue;
                }
                if (out.getInt(0) == 0) continue;
                if (lib.call(NvmlFunction.NVLINK_REMOTE_DEVICE_TYPE, d.handle, link, out) == NvmlReturn.SUCCESS
                        && out.getInt(0) == NVLINK_DEVICE_TYPE_SWITCH) {
                    switchLinks[i]++;
                    continue;
                }
                pci.clear();
                if (lib.call(NvmlFunction.NVLINK_REMOTE_PCI_INFO, d.handle, link, pci) != NvmlReturn.SUCCESS) continue;
                try {
                    Integer j = byBus.get(PciBusId.parse(pci.busIdString()));
                    if (j != null && j != i) links[i][j]++;
                } catch (IllegalArgumentException e) {
                    log.debug("GPU {} NVLink {}: remote bus id '{}' unreadable", i, link, pci.busIdString());
                }
            }
        }
        List<GpuPair> pairs = new ArrayList<>();
        for (int a = 0; a < n; a++) {
            for (int b = a + 1; b < n; b++) {
                NvmlDevice da = devices.get(a), db = devices.get(b);
                int ia = da.identity.index(), ib = db.identity.index();
                int nv = Math.max(links[a][b], links[b][a]);
                if (nv == 0 && switchLinks[a] > 0 && switchLinks[b] > 0) nv = Math.min(switchLinks[a], switchLinks[b]);
                if (nv > 0) {
                    pairs.add(new GpuPair(ia, ib, PathLevel.NV, nv));
                    continue;
                }
                int rc = lib.call(NvmlFunction.TOPOLOGY_COMMON_ANCESTOR, da.handle, db.handle, out);
                if (rc != NvmlReturn.SUCCESS) {
                    log.warn("topology GPU {} - GPU {} unknown: {}", ia, ib, NvmlReturn.name(rc));
                    continue;
                }
                try {
                    pairs.add(new GpuPair(ia, ib, PathLevel.fromNvml(out.getInt(0)), 0));
                } catch (IllegalArgumentException e) {
                    log.warn("topology GPU {} - GPU {}: {}", ia, ib, e.getMessage());
                }
            }
        }
        return new Topology(pairs);
    }

    @Override
    public List<GpuEvent> awaitEvents(Duration timeout) throws InterruptedException {
        if (Thread.interrupted()) throw new InterruptedException();
        List<GpuEvent> out = drainPending(new ArrayList<>());
        if (!out.isEmpty()) return out;
        long timeoutMs = Math.max(0, Math.min(timeout.toMillis(), Integer.MAX_VALUE));
        long start = System.nanoTime();
        lifecycle.readLock().lock();
        try {
            if (!closed && events.active()) {
                events.await((int) timeoutMs, settings.clock()::millis, out, this::markLost);
            }
        } finally {
            lifecycle.readLock().unlock();
        }
        drainPending(out);
        // Nothing to report but back early (no event set, a failing wait, a GPU_IS_LOST already known):
        // sleep out the timeout so the caller's loop does not spin.
        long leftMs = timeoutMs - (System.nanoTime() - start) / 1_000_000;
        if (out.isEmpty() && leftMs > 0) Thread.sleep(leftMs);
        return out;
    }

    private List<GpuEvent> drainPending(List<GpuEvent> into) {
        for (GpuEvent e; (e = pendingEvents.poll()) != null; ) into.add(e);
        return into;
    }

    private void markLost(NvmlDevice d) {
        if (d.markLost()) {
            log.error("GPU {} ({}) is lost: NVML answers GPU_IS_LOST", d.identity.index(), d.identity.uuid());
            pendingEvents.add(new GpuEvent(d.identity.index(), d.identity.uuid(), GpuEvent.Kind.GPU_LOST, 0,
                    settings.clock().millis()));
        }
    }

    @Override
    public String describe() {
        return "NVML driver " + driverVersion + ", " + devices.size() + " GPU(s), library " + lib.location();
    }

    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (closed) return;
            closed = true;
            events.close();
            int rc = lib.call(NvmlFunction.SHUTDOWN);
            if (rc != NvmlReturn.SUCCESS) log.warn("nvmlShutdown: {}", lib.describe(rc));
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    private NvmlDevice device(GpuIdentity gpu) {
        Objects.requireNonNull(gpu, "gpu");
        for (NvmlDevice d : devices) {
            if (d.identity.index() == gpu.index() && d.identity.uuid().equals(gpu.uuid())) return d;
        }
        throw new IllegalArgumentException("gpu " + gpu.index() + " (" + gpu.uuid() + ") is not a GPU of this source");
    }

    private void ensureOpen() {
        if (closed) throw new IllegalStateException("NVML source is closed");
    }
}
