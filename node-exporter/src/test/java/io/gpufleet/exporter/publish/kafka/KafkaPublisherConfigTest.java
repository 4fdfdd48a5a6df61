package io.gpufleet.exporter.publish.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.contracts.Topics;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

class KafkaPublisherConfigTest {
    private final KafkaPublisherConfig base = KafkaPublisherConfig.defaults("kafka-0:9092, kafka-1:9092");

    @Test
    void defaults() {
        assertEquals(Topics.METRICS, base.topic());
        assertEquals(120, base.maxBufferedSnapshots());
        assertEquals("lz4", base.compression());
        assertEquals("all", base.acks());
        Map<String, Object> p = base.producerProperties();
        assertEquals("kafka-0:9092, kafka-1:9092", p.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG));
        assertEquals("lz4", p.get(ProducerConfig.COMPRESSION_TYPE_CONFIG));
        assertEquals("1000", p.get(ProducerConfig.MAX_BLOCK_MS_CONFIG));
        assertEquals("30000", p.get(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG));
        // Kafka's own constraint delivery >= linger + request timeout holds for the derived values.
        long delivery = Long.parseLong((String) p.get(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG));
        long linger = Long.parseLong((String) p.get(ProducerConfig.LINGER_MS_CONFIG));
        long request = Long.parseLong((String) p.get(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG));
        assertTrue(delivery >= linger + request);
        KafkaPublisherConfig shortOne = base.withDeliveryTimeout(Duration.ofSeconds(3)).withLinger(Duration.ofMillis(20));
        Map<String, Object> q = shortOne.producerProperties();
        assertEquals("2980", q.get(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG));
    }

    @Test
    void extraPropertiesOverrideButNotTheSerializers() {
        Map<String, Object> p = base.withExtraProperties(Map.of("security.protocol", "SSL", "linger.ms", "50"))
                .producerProperties();
        assertEquals("SSL", p.get("security.protocol"));
        assertEquals("50", p.get("linger.ms"));
        assertError("extraProperties", () -> base.withExtraProperties(Map.of("value.serializer", "x")));
        assertError("extraProperties", () -> base.withExtraProperties(Map.of("lingr.ms", "5")));
        assertError("extraProperties", () -> base.withExtraProperties(Map.of("batch.size", "lots")));
    }

    @Test
    void acksZeroOrOneTurnIdempotenceOff() {
        assertEquals("false", base.withAcks("1").producerProperties().get(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG));
        assertEquals(null, base.withAcks("ALL").producerProperties().get(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG));
    }

    @Test
    void badValuesNameTheOption() {
        assertError("bootstrapServers", () -> KafkaPublisherConfig.defaults(" "));
        assertError("bootstrapServers", () -> KafkaPublisherConfig.defaults("kafka-0"));
        assertError("bootstrapServers", () -> KafkaPublisherConfig.defaults("kafka-0:99999"));
        assertError("topic", () -> base.withTopic("bad topic"));
        assertError("maxBufferedSnapshots", () -> base.withMaxBufferedSnapshots(0));
        assertError("deliveryTimeout", () -> base.withDeliveryTimeout(Duration.ZERO));
        assertError("linger", () -> base.withLinger(Duration.ofMillis(-1)));
        assertError("linger", () -> base.withLinger(Duration.ofSeconds(30)));
        assertError("compression", () -> base.withCompression("brotli"));
        assertError("acks", () -> base.withAcks("2"));
        assertError("clientId", () -> base.withClientId(""));
        assertError("metadataTimeout", () -> base.withMetadataTimeout(Duration.ZERO));
        assertError("retryBackoff", () -> base.withRetryBackoff(Duration.ofMillis(-5)));
        assertError("closeTimeout", () -> base.withCloseTimeout(null));
        assertEquals("zstd", base.withCompression(" ZSTD ").compression());
        assertEquals("[::1]:9092", KafkaPublisherConfig.defaults("[::1]:9092").bootstrapServers());
    }

    private static void assertError(String option, Supplier<KafkaPublisherConfig> build) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build::get);
        assertTrue(e.getMessage().contains("'" + option + "'"), e.getMessage());
    }
}
