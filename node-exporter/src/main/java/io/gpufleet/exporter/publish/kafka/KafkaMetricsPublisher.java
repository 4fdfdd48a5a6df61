package io.gpufleet.exporter.publish.kafka;

import io.gpufleet.exporter.collect.NodeSnapshot;
import io.gpufleet.exporter.publish.MetricsPublisher;
import io.gpufleet.exporter.publish.otlp.OtlpMetricsEncoder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes each {@link NodeSnapshot} as one record on {@code gpufleet.metrics}: key = node name, value = the
 * OTLP {@code ExportMetricsServiceRequest} bytes of {@link OtlpMetricsEncoder}.
 *
 * <p>{@link #publish} only puts the snapshot in a bounded {@link SnapshotBuffer} and returns; one sender thread
 * encodes and sends. While Kafka is down the buffer fills up to {@link KafkaPublisherConfig#maxBufferedSnapshots()};
 * past that the <em>oldest</em> waiting snapshot is dropped and counted. Records that time out are put back
 * at the head of the buffer and retried, so delivery resumes on its own when the broker returns (at least
 * once: a record whose acknowledgement was lost may arrive twice). Records that fail for good (too large,
 * not authorised) are dropped and counted. No exception leaves {@code publish}.
 */
public final class KafkaMetricsPublisher implements MetricsPublisher {
    private static final Logger log = LoggerFactory.getLogger(KafkaMetricsPublisher.class);
    // Records per send round: enough to drain a full buffer in a few rounds after an outage.
    private static final int MAX_BATCH = 32;
    private static final long MAX_CREATE_BACKOFF_MS = 30_000;

    private final KafkaPublisherConfig config;
    private final OtlpMetricsEncoder encoder;
    private final Function<Map<String, Object>, Producer<String, byte[]>> producerFactory;
    private final SnapshotBuffer<Pending> buffer;
    private final Thread sender;
    private volatile Producer<String, byte[]> producer;
    private volatile boolean connected;
    private volatile boolean closing;
    private boolean reportedDown;
    private int creationFailures; // sender thread only // sender thread only: log an outage once, not every attempt
    private volatile long closeDeadlineNanos = Long.MAX_VALUE;

    /** A buffered snapshot and, once encoded, its bytes (kept for retries). */
    private static final class Pending {
        final NodeSnapshot snapshot;
        byte[] value;

        Pending(NodeSnapshot snapshot) {
            this.snapshot = snapshot;
        }
    }

    /** Starts the sender thread; the producer is created by it, so an unresolvable broker does not fail here. */
    public KafkaMetricsPublisher(KafkaPublisherConfig config, OtlpMetricsEncoder encoder) {
        this(config, encoder, KafkaProducer::new);
    }

    /** As above with the producer built by {@code producerFactory} from {@link KafkaPublisherConfig#producerProperties()}. */
    public KafkaMetricsPublisher(KafkaPublisherConfig config, OtlpMetricsEncoder encoder,
                                 Function<Map<String, Object>, Producer<String, byte[]>> producerFactory) {
        this.config = Objects.requireNonNull(config, "config");
        this.encoder = Objects.requireNonNull(encoder, "encoder");
        this.producerFactory = Objects.requireNonNull(producerFactory, "producerFactory");
        this.buffer = new SnapshotBuffer<>(config.maxBufferedSnapshots());
        this.sender = new Thread(this::runSender, "gpufleet-kafka-publisher");
        sender.setDaemon(true);
        sender.start();
    }

    @Override
    public String name() {
        return "kafka";
    }

    @Override
    public void publish(NodeSnapshot snapshot) {
        if (snapshot == null) return;
        try {
            if (closing) buffer.reject(); // counted, never sent
            else buffer.offer(new Pending(snapshot));
        } catch (RuntimeException e) {
            log.warn("Kafka publisher could not buffer a snapshot", e);
        }
    }

    @Override
    public PublisherStats stats() {
        SnapshotBuffer.Counts c = buffer.counts();
        return new PublisherStats(c.sent(), c.dropped(), c.buffered(), connected);
    }

    /** The configuration in use. */
    public KafkaPublisherConfig config() {
        return config;
    }

    /**
     * Gives the sender up to {@link KafkaPublisherConfig#closeTimeout()} to deliver what is buffered, then stops
     * it; what is still buffered counts as dropped.
     */
    @Override
    public void close() {
        if (closing) return;
        long timeoutNanos = config.closeTimeout().toNanos();
        closeDeadlineNanos = System.nanoTime() + timeoutNanos;
        closing = true;
        buffer.wakeUp();
        try {
            sender.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeoutNanos)));
            if (sender.isAlive()) {
                // The sender is stuck in a send or waiting for acknowledgements: abort the producer's work.
                Producer<String, byte[]> p = producer;
                if (p != null) closeQuietly(p, Duration.ZERO);
                sender.interrupt();
                sender.join(1000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        buffer.dropQueued();
    }

    private void runSender() {
        try {
            while (!closing || (buffer.buffered() > 0 && System.nanoTime() < closeDeadlineNanos)) {
                try {
                    if (producer == null && !createProducer()) {
                        if (closing) break; // nothing to flush with
                        // Doubling pauses (up to 30 s): each attempt builds a client and logs its whole config.
                        pause(Math.min(MAX_CREATE_BACKOFF_MS, config.retryBackoff().toMillis() << Math.min(creationFailures, 16)));
                        continue;
                    }
                    sendRound();
                } catch (RuntimeException e) {
                    // A bug or an unexpected client failure must not end publishing for the exporter's life.
                    log.error("Kafka publisher's sender failed; continuing", e);
                    pause();
                }
            }
        } finally {
            Producer<String, byte[]> p = producer;
            if (p != null) {
                long left = Math.max(0, closeDeadlineNanos - System.nanoTime());
                closeQuietly(p, closing ? Duration.ofNanos(Math.min(left, config.closeTimeout().toNanos())) : Duration.ZERO);
            }
            connected = false;
        }
    }

    private void sendRound() {
        if (!buffer.awaitQueued(200, TimeUnit.MILLISECONDS)) return;
        // Take nothing while the topic's leader is unknown: snapshots stay queued, where the drop-oldest
        // rule can reach them, instead of sitting in flight inside the producer.
        if (!topicReachable()) {
            pause();
            return;
        }
        List<Pending> batch = buffer.take(MAX_BATCH, 0, TimeUnit.MILLISECONDS);
        if (!batch.isEmpty() && !send(batch)) pause();
    }

    private boolean createProducer() {
        try {
            producer = producerFactory.apply(config.producerProperties());
            creationFailures = 0;
            return true;
        } catch (RuntimeException e) {
            // E.g. a bootstrap host name that does not resolve yet: keep trying, the exporter runs on.
            creationFailures++;
            if (!reportedDown) log.warn("Kafka producer could not be created: {}", e.toString());
            reportedDown = true;
            connected = false;
            return false;
        }
    }

    /** Whether topic metadata is at hand (cached, or fetched within the metadata timeout). */
    private boolean topicReachable() {
        try {
            producer.partitionsFor(config.topic());
            return true;
        } catch (RuntimeException e) {
            markDown(e);
            return false;
        }
    }

    private void markDown(Exception problem) {
        connected = false;
        if (!reportedDown) {
            reportedDown = true;
            log.warn("Kafka publisher cannot deliver to {} ({} buffered, oldest dropped beyond {}): {}",
                    config.bootstrapServers(), buffer.buffered(), config.maxBufferedSnapshots(), String.valueOf(problem));
        }
    }

    /** Sends a batch and waits for it to settle; returns false when anything failed. */
    private boolean send(List<Pending> batch) {
        Producer<String, byte[]> p = producer;
        List<Pending> sent = new ArrayList<>(batch.size());
        List<Future<RecordMetadata>> futures = new ArrayList<>(batch.size());
        List<Pending> retry = new ArrayList<>();
        int failed = 0;
        boolean discardProducer = false;
        Exception problem = null;
        for (int i = 0; i < batch.size(); i++) {
            Pending item = batch.get(i);
            try {
                if (item.value == null) item.value = encoder.encodeBytes(item.snapshot);
            } catch (RuntimeException e) {
                log.error("Snapshot {} of {} could not be encoded; dropped", item.snapshot.sequence(), item.snapshot.node(), e);
                failed++;
                continue;
            }
            try {
                futures.add(p.send(new ProducerRecord<>(config.topic(), item.snapshot.node(), item.value)));
                sent.add(item);
            } catch (RuntimeException e) {
                // Metadata not available in time (broker unreachable) or the producer is closed: keep the rest.
                problem = e;
                if (retriable(e)) {
                    retry.addAll(batch.subList(i, batch.size()));
                } else {
                    // The producer refuses sends outright (e.g. a fatal idempotence error): start a new one.
                    failed++;
                    retry.addAll(batch.subList(i + 1, batch.size()));
                    discardProducer = true;
                }
                break;
            }
        }
        int acked = 0;
        long waitMs = config.deliveryTimeout().toMillis() + 1000;
        for (int i = 0; i < futures.size(); i++) {
            try {
                futures.get(i).get(waitMs, TimeUnit.MILLISECONDS);
                acked++;
            } catch (ExecutionException e) {
                problem = e.getCause() instanceof Exception c ? c : e;
                if (retriable(e.getCause())) retry.add(sent.get(i));
                else failed++;
            } catch (java.util.concurrent.TimeoutException e) {
                problem = e;
                retry.add(sent.get(i));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                problem = e;
                retry.addAll(sent.subList(i, sent.size()));
                break;
            }
        }
        buffer.sent(acked);
        buffer.failed(failed);
        buffer.retry(retry);
        if (discardProducer && !closing) {
            log.warn("Kafka producer is in a failed state; replacing it: {}", String.valueOf(problem));
            closeQuietly(p, Duration.ZERO);
            producer = null;
        }
        boolean ok = problem == null;
        if (!ok) {
            markDown(problem);
        } else if (acked > 0) {
            connected = true;
            if (reportedDown) {
                reportedDown = false;
                log.info("Kafka publisher delivers to {} again", config.bootstrapServers());
            }
        }
        return ok;
    }

    private static boolean retriable(Throwable e) {
        return e instanceof RetriableException || e instanceof InterruptException || e instanceof IllegalStateException;
    }

    private void pause() {
        pause(config.retryBackoff().toMillis());
    }

    private void pause(long millis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        try {
            // In short steps, so that close() is not kept waiting by a long backoff.
            while (!closing && System.nanoTime() < deadline) {
                Thread.sleep(Math.max(1, Math.min(100, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()))));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(Producer<String, byte[]> p, Duration timeout) {
        try {
            p.close(timeout);
        } catch (RuntimeException e) {
            log.debug("Closing the Kafka producer failed", e);
        }
    }
}
