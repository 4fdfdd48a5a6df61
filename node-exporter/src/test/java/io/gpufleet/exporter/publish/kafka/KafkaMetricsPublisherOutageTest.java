package io.gpufleet.exporter.publish.kafka;

import static io.gpufleet.exporter.publish.kafka.KafkaMetricsPublisherTest.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.contracts.Topics;
import io.gpufleet.exporter.publish.MetricsPublisher.PublisherStats;
import io.gpufleet.exporter.publish.otlp.OtlpMetricsEncoder;
import io.gpufleet.exporter.publish.otlp.TestSnapshots;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Kafka unreachable, then a real broker appearing on the configured port, then going away again. One broker
 * for the class, started mid-test.
 */
class KafkaMetricsPublisherOutageTest {
    private static final long T0 = 1_790_000_000_000L;
    // Far below the metadata timeout (1 s): a publish that waited on Kafka would exceed it.
    private static final long PROMPT_NANOS = Duration.ofMillis(200).toNanos();

    private static long publishTimed(KafkaMetricsPublisher pub, int i) {
        var snapshot = TestSnapshots.snapshot("node-o", 2, T0 + i, i);
        long t0 = System.nanoTime();
        pub.publish(snapshot);
        return System.nanoTime() - t0;
    }

    private static long timeOf(ConsumerRecord<String, byte[]> r) throws Exception {
        return ExportMetricsServiceRequest.parseFrom(r.value()).getResourceMetrics(0).getScopeMetrics(0).getMetrics(0)
                .getGauge().getDataPoints(0).getTimeUnixNano() / 1_000_000L - T0;
    }

    @Test
    void buffersWhileDownDropsExactlyTheOverflowAndResumesWhenTheBrokerComes() throws Exception {
        int port = TestBroker.freePort();
        int capacity = 5;
        KafkaPublisherConfig config = KafkaPublisherConfig.defaults("localhost:" + port)
                .withMaxBufferedSnapshots(capacity)
                .withDeliveryTimeout(Duration.ofSeconds(3))
                .withRetryBackoff(Duration.ofMillis(100))
                .withCloseTimeout(Duration.ofSeconds(1));
        KafkaMetricsPublisher pub = new KafkaMetricsPublisher(config, new OtlpMetricsEncoder());
        TestBroker broker = null;
        try {
            // 1. Nothing listens: every publish returns at once; the buffer keeps the newest `capacity`.
            for (int i = 1; i <= 12; i++) {
                long took = publishTimed(pub, i);
                assertTrue(took < PROMPT_NANOS, "publish took " + took / 1_000_000 + " ms while Kafka is down");
                Thread.sleep(20);
            }
            PublisherStats down = pub.stats();
            assertEquals(new PublisherStats(0, 12 - capacity, capacity, false), down);

            // 2. A broker appears on that port: the buffered snapshots go out by themselves, then new ones follow.
            broker = TestBroker.start(port);
            broker.createTopic(Topics.METRICS);
            await("buffer drained", Duration.ofSeconds(30), () -> pub.stats().sent() == capacity);
            for (int i = 13; i <= 15; i++) publishTimed(pub, i);
            await("new snapshots delivered", Duration.ofSeconds(20), () -> pub.stats().sent() == capacity + 3);
            PublisherStats up = pub.stats();
            assertEquals(new PublisherStats(capacity + 3, 12 - capacity, 0, true), up);

            List<ConsumerRecord<String, byte[]>> records = broker.read(Topics.METRICS, capacity + 3, Duration.ofSeconds(20));
            TreeSet<Long> seqs = new TreeSet<>();
            for (ConsumerRecord<String, byte[]> r : records) {
                assertEquals("node-o", r.key());
                seqs.add(timeOf(r));
            }
            // Oldest dropped first: 1..7 are gone, 8..12 were buffered, 13..15 came later.
            assertEquals(new TreeSet<>(List.of(8L, 9L, 10L, 11L, 12L, 13L, 14L, 15L)), seqs);

            // 3. The broker goes away mid-run: publish stays prompt, the failure shows, close does not hang.
            broker.close();
            broker = null;
            List<Long> durations = new ArrayList<>();
            for (int i = 16; i <= 25; i++) {
                durations.add(publishTimed(pub, i));
                Thread.sleep(20);
            }
            for (long d : durations) assertTrue(d < PROMPT_NANOS, "publish took " + d / 1_000_000 + " ms after the broker stopped");
            await("failure noticed", Duration.ofSeconds(15), () -> !pub.stats().connected());
            PublisherStats lost = pub.stats();
            // Timed-out records return to the buffer rather than being dropped: 10 published into a buffer of
            // 5 overflow by exactly 5, whether the survivors sit queued or in flight.
            assertEquals(new PublisherStats(capacity + 3, (12 - capacity) + (10 - capacity), capacity, false), lost);
        } finally {
            long t0 = System.nanoTime();
            pub.close();
            long closeMs = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(closeMs < 3000, "close took " + closeMs + " ms");
            if (broker != null) broker.close();
        }
        PublisherStats closed = pub.stats();
        assertEquals(0, closed.buffered());
        assertEquals(25, closed.sent() + closed.dropped());
        assertFalse(closed.connected());
    }

    @Test
    void unresolvableBootstrapHostKeepsTheExporterRunning() throws Exception {
        KafkaPublisherConfig config = KafkaPublisherConfig.defaults("kafka.invalid:9092")
                .withMaxBufferedSnapshots(3).withRetryBackoff(Duration.ofMillis(50))
                .withCloseTimeout(Duration.ofMillis(500));
        try (KafkaMetricsPublisher pub = new KafkaMetricsPublisher(config, new OtlpMetricsEncoder())) {
            for (int i = 0; i < 10; i++) assertTrue(publishTimed(pub, i) < PROMPT_NANOS);
            Thread.sleep(200);
            assertEquals(new PublisherStats(0, 7, 3, false), pub.stats());
        }
    }
}
