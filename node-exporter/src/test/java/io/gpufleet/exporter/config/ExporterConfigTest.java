package io.gpufleet.exporter.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.exporter.metrics.MetricSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExporterConfigTest {

    @Test
    void defaultsAreSane() {
        ExporterConfig c = ExporterConfig.resolve(Map.of(), Map.of("NODE_NAME", "gpu-node-7"));
        assertEquals(9400, c.port());
        assertEquals(Duration.ofSeconds(1), c.interval());
        assertEquals(MetricSet.BOTH, c.metrics());
        assertEquals("gpu-node-7", c.nodeName());
        assertEquals("gpufleet.metrics", c.kafkaTopic());
        assertTrue(c.kafkaBootstrap().isEmpty());
    }

    @Test
    void podResourcesSocketDefaultsToTheKubeletsAndNoneTurnsItOff() {
        assertEquals(java.util.Optional.of(Path.of("/var/lib/kubelet/pod-resources/kubelet.sock")),
                ExporterConfig.defaults().podResourcesSocketPath());
        assertEquals(java.util.Optional.empty(), ExporterConfig.resolve(Map.of(),
                Map.of("GPUFLEET_EXPORTER_POD_RESOURCES_SOCKET", "none")).podResourcesSocketPath());
        assertEquals(java.util.Optional.of(Path.of("/host/kubelet/pod-resources/kubelet.sock")), ExporterConfig.resolve(
                Map.of("pod-resources-socket", "/host/kubelet/pod-resources/kubelet.sock"), Map.of())
                .podResourcesSocketPath());
    }

    @Test
    void flagsBeatEnvironmentWhichBeatsTheFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("exporter.properties");
        Files.writeString(f, "port=9500\ninterval=2s\nmetrics=dcgm\nseed=7\n");
        ExporterConfig c = ExporterConfig.resolve(Map.of("config", f.toString(), "port", "9600"),
                Map.of("GPUFLEET_EXPORTER_INTERVAL", "500ms"));
        assertEquals(9600, c.port());
        assertEquals(Duration.ofMillis(500), c.interval());
        assertEquals(MetricSet.DCGM, c.metrics());
        assertEquals(7, c.seed());
    }

    @Test
    void badValuesNameTheOption(@TempDir Path dir) throws Exception {
        assertOption("port", Map.of("port", "70000"), "0..65535");
        assertOption("port", Map.of("port", "abc"), "cannot parse");
        assertOption("interval", Map.of("interval", "5 parsecs"), "unit");
        assertOption("interval", Map.of("interval", "1ms"), "at least");
        assertOption("metrics", Map.of("metrics", "all"), "native, dcgm, both");
        assertOption("kafka-bootstrap", Map.of("kafka-bootstrap", "localhost"), "host:port");
        assertOption("otlp-endpoint", Map.of("otlp-endpoint", "collector:4317"), "http://");
        assertOption("tls-key", Map.of("tls-cert", dir.resolve("c.pem").toString()), "both");
        assertOption("tls-cert", Map.of("tls-cert", "/nonexistent.pem", "tls-key", "/nonexistent.key"), "does not exist");
        assertOption("basic-auth-password-file", Map.of("basic-auth-user", "prom"), "both");
        assertOption("simulate-nodes", Map.of("simulate-nodes", "4"), "--simulate");
        assertOption("slow-interval", Map.of("interval", "5s", "slow-interval", "1s"), "shorter");
        assertOption("pod-resources-socket", Map.of("pod-resources-socket", "kubelet.sock"), "absolute path or none");
        assertOption("frobnicate", Map.of("frobnicate", "1"), "unknown option");
        Path f = dir.resolve("bad.properties");
        Files.writeString(f, "prot=9400\n");
        assertOption("prot", Map.of("config", f.toString()), "unknown option");
        assertOption("config", Map.of("config", dir.resolve("missing").toString()), "cannot read");
        var env = assertThrows(ConfigException.class,
                () -> ExporterConfig.resolve(Map.of(), Map.of("GPUFLEET_EXPORTER_KAFKA_BUFFER", "0")));
        assertEquals("kafka-buffer", env.option());
    }

    private static void assertOption(String option, Map<String, String> flags, String fragment) {
        ConfigException e = assertThrows(ConfigException.class, () -> ExporterConfig.resolve(flags, Map.of()));
        assertEquals(option, e.option(), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    @Test
    void everyOptionIsDocumentedOnceWithItsEnvironmentVariable() throws Exception {
        Set<String> names = new HashSet<>();
        for (ConfigOption<?> o : ExporterConfig.OPTIONS) {
            assertTrue(names.add(o.name()), "duplicate option " + o.name());
            assertTrue(o.env().startsWith("GPUFLEET_EXPORTER_"));
            assertTrue(!o.doc().isBlank());
            o.parse(o.defaultValue()); // every default is itself valid
        }
        // The README's configuration table lists every option (it is the user-facing copy of this table).
        Path readme = Path.of("..", "README.md");
        if (Files.exists(readme)) {
            String text = Files.readString(readme);
            for (ConfigOption<?> o : ExporterConfig.OPTIONS) {
                assertTrue(text.contains("`--" + o.name() + "`"), "README lacks --" + o.name());
            }
        }
    }

    @Test
    void durationsParseInTheUsualUnits() {
        assertEquals(Duration.ofMillis(250), ConfigOption.parseDuration("250ms"));
        assertEquals(Duration.ofMinutes(5), ConfigOption.parseDuration("5m"));
        assertEquals(Duration.ofHours(2), ConfigOption.parseDuration("2h"));
        assertEquals(Duration.ofSeconds(3), ConfigOption.parseDuration("PT3S"));
        assertEquals("15m", ConfigOption.format(Duration.ofMinutes(15)));
    }
}
