package io.gpufleet.analytics.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.exporter.config.ConfigException;
import io.gpufleet.exporter.config.ConfigOption;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AnalyticsConfigTest {
    @Test
    void defaultsAreTheDocumentedOnes() {
        AnalyticsConfig c = AnalyticsConfig.defaults();
        assertEquals(AnalyticsConfig.Source.SIMULATED, c.source());
        assertEquals(9250, c.metricsPort());
        assertEquals("gpufleet.metrics", c.metricsTopic());
        assertEquals(Duration.ofSeconds(10), c.checkpointInterval());
        assertEquals(30_000, c.detectors().thermalSustainMillis());
        for (ConfigOption<?> o : AnalyticsConfig.OPTIONS) {
            assertTrue(o.env().startsWith("GPUFLEET_ANALYTICS_"), o.env());
            assertTrue(!o.doc().isBlank(), o.name());
        }
    }

    @Test
    void badValuesFailAtStartWithTheOptionsName() {
        assertEquals("checkpoint-interval", assertThrows(ConfigException.class,
                () -> AnalyticsConfig.from(Map.of("checkpoint-interval", "50ms"))).option()); // < 100 ms
        assertEquals("kafka-bootstrap", assertThrows(ConfigException.class,
                () -> AnalyticsConfig.from(Map.of("source", "kafka"))).option());
        assertEquals("source", assertThrows(ConfigException.class,
                () -> AnalyticsConfig.from(Map.of("source", "files"))).option());
        assertEquals("alertmanager-url", assertThrows(ConfigException.class,
                () -> AnalyticsConfig.from(Map.of("alertmanager-url", "localhost:9093"))).option());
        assertEquals("faults-topic", assertThrows(ConfigException.class,
                () -> AnalyticsConfig.from(Map.of("faults-topic", "no spaces"))).option());
        assertEquals("idle-utilization", assertThrows(ConfigException.class,
                () -> AnalyticsConfig.from(Map.of("idle-utilization", "1.5"))).option());
        assertEquals("no-such-option", assertThrows(ConfigException.class,
                () -> AnalyticsConfig.from(Map.of("no-such-option", "1"))).option());
        ConfigException e = assertThrows(ConfigException.class, () -> AnalyticsConfig.from(Map.of("metrics-port", "70000")));
        assertTrue(e.getMessage().startsWith("metrics-port:"), e.getMessage());
    }

    @Test
    void readmeDocumentsEveryOptionWithItsDefault() throws Exception {
        String readme = java.nio.file.Files.readString(java.nio.file.Path.of("README.md"));
        for (ConfigOption<?> o : AnalyticsConfig.OPTIONS) {
            String row = "| `" + o.name() + "` | `" + o.env() + "` | "
                    + (o.defaultValue().isEmpty() ? "(empty)" : "`" + o.defaultValue() + "`") + " |";
            assertTrue(readme.contains(row), "README.md lacks the row for " + o.name() + ": " + row);
        }
    }

    @Test
    void environmentThenOverridesAndRoundTrip() {
        AnalyticsConfig c = AnalyticsConfig.fromEnvironment(Map.of("GPUFLEET_ANALYTICS_SOURCE", "kafka",
                "GPUFLEET_ANALYTICS_KAFKA_BOOTSTRAP", "k:9092", "GPUFLEET_ANALYTICS_SILENCE", "1m"),
                Map.of("silence", "20s", "delivery", "exactly-once"));
        assertEquals(AnalyticsConfig.Source.KAFKA, c.source());
        assertEquals(Duration.ofSeconds(20), c.silence());
        assertEquals(AnalyticsConfig.Delivery.EXACTLY_ONCE, c.delivery());
        assertEquals(c, AnalyticsConfig.from(c.asMap()));
        assertTrue(c.writesKafka());
    }
}
