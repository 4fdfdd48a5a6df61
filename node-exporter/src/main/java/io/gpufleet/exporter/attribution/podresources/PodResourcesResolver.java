package io.gpufleet.exporter.attribution.podresources;

import io.gpufleet.exporter.attribution.PodRef;
import io.gpufleet.exporter.attribution.PodResolver;
import io.gpufleet.exporter.attribution.SourceStats;
import io.gpufleet.exporter.source.GpuIdentity;
import io.gpufleet.exporter.source.ProcessReading;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Attributes whole GPUs to the pod containers the kubelet allocated them to, as dcgm-exporter does: the kubelet's
 * PodResources API names every container's devices, so a pod shows on its GPU even while it runs nothing there.
 *
 * <p>{@link #refresh} polls (the collector calls it on its slow pass); {@link #podsFor} answers from the last good
 * poll. A failed poll keeps that answer, counts an error, logs once per outage, and the next poll tries again.
 */
public final class PodResourcesResolver implements PodResolver {
    private static final Logger LOG = LoggerFactory.getLogger(PodResourcesResolver.class);

    /** Label value of this source in the exporter's metrics. */
    public static final String SOURCE = "podresources";
    /** The kubelet's socket on every node. */
    public static final Path DEFAULT_SOCKET = Path.of("/var/lib/kubelet/pod-resources/kubelet.sock");
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);

    private final PodResourcesLister lister;
    private final Duration timeout;
    private final AtomicLong errors = new AtomicLong();
    private volatile DeviceIndex index = DeviceIndex.EMPTY;
    private volatile boolean connected;
    private boolean failing; // only the polling thread touches it

    public PodResourcesResolver(PodResourcesLister lister, Duration timeout) {
        this.lister = Objects.requireNonNull(lister, "lister");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("timeout must be positive");
    }

    /**
     * A resolver on the kubelet socket at {@code socket}, or empty when no such file exists (not a Kubernetes
     * node, or the directory is not mounted): the gRPC client is then never loaded. Empty too, with a warning,
     * when the epoll transport cannot load.
     */
    public static Optional<PodResolver> openIfPresent(Path socket, Duration timeout) {
        if (!Files.exists(socket)) {
            LOG.info("no kubelet pod-resources socket at {}; attributing without it", socket);
            return Optional.empty();
        }
        try {
            PodResolver r = new PodResourcesResolver(GrpcPodResourcesLister.open(socket), timeout);
            LOG.info("attributing whole GPUs through the kubelet's PodResources API at {}", socket);
            return Optional.of(r);
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("cannot use the kubelet pod-resources socket {}: {}", socket, e.toString());
            return Optional.empty();
        }
    }

    /** Polls the kubelet once; on failure the last good answer stays. */
    @Override
    public void refresh() {
        try {
            DeviceIndex next = DeviceIndex.of(lister.list(timeout));
            index = next;
            connected = true;
            if (failing) {
                failing = false;
                LOG.info("kubelet PodResources API answers again ({}): {} pods hold whole GPUs", lister, next.pods());
            }
        } catch (PodResourcesException | RuntimeException e) {
            errors.incrementAndGet();
            connected = false;
            if (!failing) {
                failing = true;
                LOG.warn("kubelet PodResources API failed, keeping the last answer and retrying: {}", e.getMessage());
            } else {
                LOG.debug("kubelet PodResources API still failing: {}", e.getMessage());
            }
        }
    }

    @Override
    public List<PodRef> podsFor(GpuIdentity gpu, List<ProcessReading> processes) {
        return index.podsOn(gpu.uuid());
    }

    @Override
    public List<SourceStats> sourceStats() {
        return List.of(new SourceStats(SOURCE, connected, errors.get(), index.pods()));
    }

    @Override
    public void close() {
        try {
            lister.close();
        } catch (Exception e) {
            LOG.debug("closing {} failed: {}", lister, e.toString());
        }
    }

    @Override
    public String toString() {
        return "PodResourcesResolver(" + lister + ")";
    }
}
