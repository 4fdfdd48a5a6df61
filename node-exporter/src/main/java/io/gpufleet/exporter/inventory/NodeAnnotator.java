package io.gpufleet.exporter.inventory;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.gpufleet.contracts.GpuInventory;
import io.gpufleet.contracts.ResourceNames;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes this node's GPU inventory to its Node object ({@value ResourceNames#GPU_INVENTORY_ANNOTATION}), so the
 * scheduler places work on the real devices and their wiring. Retries in the background with backoff while the
 * API server is unreachable; the exporter never waits for it.
 */
public final class NodeAnnotator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeAnnotator.class);

    private final KubernetesClient client;
    private final String node;
    private final String value;
    private final ScheduledExecutorService retry;
    private final AtomicBoolean written = new AtomicBoolean();
    private final AtomicLong failures = new AtomicLong();
    private final boolean ownsClient;

    /** With a client the caller owns and closes. */
    public NodeAnnotator(KubernetesClient client, String node, List<GpuInventory.Entry> inventory) {
        this(client, node, inventory, false);
    }

    /** @param ownsClient whether {@link #close()} also closes {@code client} */
    public NodeAnnotator(KubernetesClient client, String node, List<GpuInventory.Entry> inventory, boolean ownsClient) {
        this.ownsClient = ownsClient;
        this.client = client;
        this.node = node;
        this.value = GpuInventory.toJson(inventory);
        this.retry = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "gpufleet-node-annotator");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts writing; returns at once. */
    public NodeAnnotator start() {
        retry.execute(() -> attempt(Duration.ofSeconds(1)));
        return this;
    }

    private void attempt(Duration backoff) {
        try {
            client.nodes().withName(node).edit(n -> {
                Map<String, String> ann = n.getMetadata().getAnnotations() == null
                        ? new HashMap<>() : new HashMap<>(n.getMetadata().getAnnotations());
                ann.put(ResourceNames.GPU_INVENTORY_ANNOTATION, value);
                n.getMetadata().setAnnotations(ann);
                return n;
            });
            written.set(true);
            log.info("wrote the GPU inventory of node {} to its {} annotation", node, ResourceNames.GPU_INVENTORY_ANNOTATION);
        } catch (RuntimeException e) {
            failures.incrementAndGet();
            Duration next = backoff.multipliedBy(2).compareTo(Duration.ofMinutes(1)) > 0 ? Duration.ofMinutes(1) : backoff.multipliedBy(2);
            log.warn("cannot annotate node {} with its GPU inventory ({}); retrying in {} s", node, e.getMessage(),
                    backoff.toSeconds());
            if (!retry.isShutdown()) retry.schedule(() -> attempt(next), backoff.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    public boolean written() {
        return written.get();
    }

    public long failures() {
        return failures.get();
    }

    @Override
    public void close() {
        retry.shutdownNow();
        if (ownsClient) client.close();
    }
}
