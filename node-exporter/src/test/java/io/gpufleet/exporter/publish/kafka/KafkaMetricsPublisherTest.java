package io.gpufleet.exporter.publish.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.contracts.Topics;
import io.gpufleet.exporter.collect.GpuState;
import io.gpufleet.exporter.collect.NodeSnapshot;
import io.gpufleet.exporter.metrics.MetricCatalog;
import io.gpufleet.exporter.publish.MetricsPublisher.PublisherStats;
import io.gpufleet.exporter.publish.otlp.OtlpMetricsEncoder;
import io.gpufleet.exporter.publish.otlp.OtlpPoints;
import io.gpufleet.exporter.publish.otlp.TestSnapshots;
import io.gpufleet.exporter.source.GpuField;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Against one real KRaft broker shared by the class. */
class KafkaMetricsPublisherTest {
    private static TestBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = TestBroker.start();
        broker.createTopic(Topics.METRICS);
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) broker.close();
    }

    private static KafkaPublisherConfig config(String topic) {
        return KafkaPublisherConfig.defaults(broker.bootstrapServers()).withTopic(topic)
                .withDeliveryTimeout(Duration.ofSeconds(10));
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(20);
        }
    }

    @Test
    void recordsAreOtlpRequestsKeyedByNodeWithEveryGpu() throws Exception {
        long t = 1_790_000_000_000L;
        SplittableRandom rnd = new SplittableRandom(42);
        List<NodeSnapshot> published = new ArrayList<>();
        try (KafkaMetricsPublisher pub = new KafkaMetricsPublisher(config(Topics.METRICS), new OtlpMetricsEncoder())) {
            assertEquals("kafka", pub.name());
            for (int i = 0; i < 6; i++) {
                String node = "node-" + (i % 3);
                List<GpuState> gpus = new ArrayList<>();
                int n = 1 + rnd.nextInt(8);
                for (int g = 0; g < n; g++) gpus.add(TestSnapshots.randomGpu(rnd, node, g, t + i));
                NodeSnapshot s = TestSnapshots.snapshot(node, gpus, t + i, i + 1);
                published.add(s);
                pub.publish(s);
            }
            await("acknowledgements", Duration.ofSeconds(20), () -> pub.stats().sent() == 6);
            PublisherStats stats = pub.stats();
            assertEquals(new PublisherStats(6, 0, 0, true), stats);
        }

        List<ConsumerRecord<String, byte[]>> records = broker.read(Topics.METRICS, 6, Duration.ofSeconds(20));
        assertEquals(6, records.size());
        // Single partition: records arrive in publish order.
        for (int i = 0; i < 6; i++) {
            NodeSnapshot s = published.get(i);
            ConsumerRecord<String, byte[]> r = records.get(i);
            assertEquals(s.node(), r.key());
            ExportMetricsServiceRequest req = ExportMetricsServiceRequest.parseFrom(r.value());
            assertEquals(s.gpus().size(), req.getResourceMetricsCount());
            List<OtlpPoints.Point> points = OtlpPoints.points(req);
            for (int g = 0; g < s.gpus().size(); g++) {
                GpuState gpu = s.gpus().get(g);
                ResourceMetrics rm = req.getResourceMetrics(g);
                Map<String, String> res = OtlpPoints.attrs(rm.getResource().getAttributesList());
                assertEquals(gpu.reading().gpu().uuid(), res.get(OtlpMetricsEncoder.GPU_UUID));
                assertEquals(s.node(), res.get(OtlpMetricsEncoder.HOST_NAME));
                if (gpu.reading().has(GpuField.POWER_USAGE_WATTS)) {
                    assertEquals(gpu.reading().value(GpuField.POWER_USAGE_WATTS), OtlpPoints.only(points,
                            gpu.reading().gpu().uuid(), "gpufleet_gpu_power_usage_watts", Map.of()).value());
                }
                if (gpu.reading().has(GpuField.ECC_SINGLE_BIT_AGGREGATE_TOTAL)) {
                    assertEquals(gpu.reading().value(GpuField.ECC_SINGLE_BIT_AGGREGATE_TOTAL), OtlpPoints.only(points,
                            gpu.reading().gpu().uuid(), "gpufleet_gpu_ecc_errors",
                            Map.of("type", "single_bit", "counter", "aggregate")).value());
                }
                assertEquals(gpu.health().status().ordinal(), OtlpPoints.only(points, gpu.reading().gpu().uuid(),
                        MetricCatalog.HEALTH_STATUS, gpu.health().reasons().isEmpty() ? Map.of()
                                : Map.of("reason", gpu.health().reason())).value());
                for (KeyValue kv : rm.getResource().getAttributesList()) assertTrue(!kv.getKey().isEmpty());
            }
            for (OtlpPoints.Point p : points) assertEquals(s.timestampMillis() * 1_000_000L, p.timeUnixNano());
        }
    }

    @Test
    void closeDeliversWhatIsBufferedAndLaterPublishesCountAsDropped() throws Exception {
        String topic = "close-test";
        broker.createTopic(topic);
        KafkaMetricsPublisher pub = new KafkaMetricsPublisher(config(topic).withLinger(Duration.ofMillis(50)),
                new OtlpMetricsEncoder());
        for (int i = 0; i < 20; i++) pub.publish(TestSnapshots.snapshot("node-x", 2, 1000 + i, i));
        pub.close();
        PublisherStats s = pub.stats();
        assertEquals(20, s.sent(), "close flushes the buffer while the broker is up: " + s);
        assertEquals(0, s.buffered());
        pub.publish(TestSnapshots.snapshot("node-x", 2, 5000, 99));
        assertEquals(1, pub.stats().dropped(), "a snapshot published after close is dropped, not sent");
        List<ConsumerRecord<String, byte[]>> records = broker.read(topic, 20, Duration.ofSeconds(20));
        Set<Long> times = new HashSet<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            times.add(ExportMetricsServiceRequest.parseFrom(r.value()).getResourceMetrics(0).getScopeMetrics(0)
                    .getMetrics(0).getGauge().getDataPoints(0).getTimeUnixNano() / 1_000_000L);
        }
        assertEquals(20, records.size());
        assertEquals(20, times.size());
    }

    @Test
    void recordsThatCanNeverBeDeliveredAreDroppedAndCountedWhileOthersFlow() throws Exception {
        String topic = "too-large-test";
        broker.createTopic(topic);
        KafkaPublisherConfig cfg = config(topic).withExtraProperties(Map.of("max.request.size", "2048"));
        try (KafkaMetricsPublisher pub = new KafkaMetricsPublisher(cfg, new OtlpMetricsEncoder())) {
            pub.publish(TestSnapshots.snapshot("node-big", 8, 1000, 1));   // ~8 KB: over the limit
            pub.publish(TestSnapshots.snapshot("node-small", 1, 1001, 2)); // ~1 KB
            await("both settled", Duration.ofSeconds(20), () -> pub.stats().sent() + pub.stats().dropped() == 2);
            assertEquals(1, pub.stats().sent());
            assertEquals(1, pub.stats().dropped());
            assertEquals(0, pub.stats().buffered());
        }
        List<ConsumerRecord<String, byte[]>> records = broker.read(topic, 1, Duration.ofSeconds(20));
        assertEquals(List.of("node-small"), records.stream().map(ConsumerRecord::key).toList());
    }
}
