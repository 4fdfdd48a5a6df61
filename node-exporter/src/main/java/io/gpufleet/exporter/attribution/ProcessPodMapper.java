package io.gpufleet.exporter.attribution;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps a host pid to the pod and container it runs in by reading {@code <procRoot>/<pid>/cgroup}.
 *
 * <p>Each pid is read once and cached, so a collection pass costs no I/O for processes already seen. Pids are
 * reused by the kernel, so an entry expires once its pid has not been asked about for {@code expireAfter} (swept
 * once per period, so it goes between one and two periods after the last ask):
 * a process that stops being reported by NVML for that long is taken as gone, and a later process with the
 * same pid is read afresh. Processes outside any pod and unreadable files are cached too (as "no pod"), so a
 * host process on a GPU does not cost a read per pass.
 *
 * <p>The exporter must see the host's pids: run it with {@code hostPID: true}, or mount the host's
 * {@code /proc} and point {@code procRoot} at it.
 */
public final class ProcessPodMapper {
    private static final Logger LOG = LoggerFactory.getLogger(ProcessPodMapper.class);

    private record Entry(Optional<ContainerRef> ref, Instant lastAsked) {}

    private final Path procRoot;
    private final Clock clock;
    private final Duration expireAfter;
    private final ConcurrentMap<Long, Entry> cache = new ConcurrentHashMap<>();
    private final AtomicLong reads = new AtomicLong();
    private final AtomicLong readErrors = new AtomicLong();
    private volatile Instant lastSweep;
    private volatile boolean permissionWarned;

    public ProcessPodMapper(Path procRoot, Clock clock, Duration expireAfter) {
        this.procRoot = Objects.requireNonNull(procRoot, "procRoot");
        this.clock = Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(expireAfter, "expireAfter");
        if (expireAfter.isNegative() || expireAfter.isZero()) {
            throw new IllegalArgumentException("expireAfter must be positive, was " + expireAfter);
        }
        this.expireAfter = expireAfter;
        this.lastSweep = clock.instant();
    }

    /** The pod and container of {@code pid}, or empty when it runs outside a pod or cannot be read. */
    public Optional<ContainerRef> lookup(long pid) {
        Instant now = clock.instant();
        sweepIfDue(now);
        Entry e = cache.compute(pid, (k, old) -> old == null
                ? new Entry(read(k), now)
                : new Entry(old.ref(), now));
        return e.ref();
    }

    /** Drops entries for pids not asked about within {@code expireAfter}. */
    public void sweep() {
        Instant now = clock.instant();
        lastSweep = now;
        Instant oldest = now.minus(expireAfter);
        cache.entrySet().removeIf(en -> en.getValue().lastAsked().isBefore(oldest));
    }

    private void sweepIfDue(Instant now) {
        // Sweeping on lookup keeps the cache bounded without a thread of its own; once per expiry period is enough.
        if (!now.isBefore(lastSweep.plus(expireAfter))) sweep();
    }

    private Optional<ContainerRef> read(long pid) {
        reads.incrementAndGet();
        Path file = procRoot.resolve(Long.toString(pid)).resolve("cgroup");
        try {
            return CgroupParser.parse(Files.readString(file));
        } catch (NoSuchFileException gone) {
            return Optional.empty(); // exited between NVML's report and this read
        } catch (AccessDeniedException denied) {
            readErrors.incrementAndGet();
            if (!permissionWarned) {
                permissionWarned = true;
                LOG.warn("cannot read {}: permission denied; process-based pod attribution needs hostPID or the"
                        + " host's /proc mounted and readable", file);
            }
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            readErrors.incrementAndGet();
            LOG.debug("cannot read {}: {}", file, e.toString());
            return Optional.empty();
        }
    }

    /** Pids cached now. */
    public int cacheSize() {
        return cache.size();
    }

    /** cgroup files read so far (cache misses). */
    public long reads() {
        return reads.get();
    }

    /** cgroup files that existed but could not be read. */
    public long readErrors() {
        return readErrors.get();
    }
}
