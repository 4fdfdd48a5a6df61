package io.gpufleet.exporter.publish;

import io.gpufleet.exporter.collect.NodeSnapshot;

/**
 * Pushes snapshots somewhere (OTLP collector, Kafka). Called from the collection loop after each pass;
 * it must not block it: hand off and return. A publisher whose destination is down keeps the
 * exporter running and reports what it dropped through {@link #stats()}.
 */
public interface MetricsPublisher extends AutoCloseable {

    /** A short name for logs and the {@code publisher} metric label, e.g. {@code kafka}. */
    String name();

    void publish(NodeSnapshot snapshot);

    /** Counters the exporter exposes as metrics. */
    PublisherStats stats();

    @Override
    void close();

    /**
     * @param sent      snapshots delivered (acknowledged by the destination)
     * @param dropped   snapshots dropped because the buffer was full or delivery failed for good
     * @param buffered  snapshots waiting now
     * @param connected whether the last delivery attempt succeeded
     */
    record PublisherStats(long sent, long dropped, long buffered, boolean connected) {}
}
