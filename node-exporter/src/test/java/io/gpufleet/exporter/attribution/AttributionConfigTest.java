package io.gpufleet.exporter.attribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AttributionConfigTest {

    @Test
    void readsTheDaemonSetEnvironment() {
        var c = AttributionConfig.fromEnvironment(Map.of("NODE_NAME", "gpu-node-7", "GPUFLEET_PROC_ROOT", "/host/proc",
                "GPUFLEET_PID_CACHE_EXPIRY", "PT2M"));
        assertEquals(new AttributionConfig("gpu-node-7", Path.of("/host/proc"), Duration.ofMinutes(2)), c);
        var defaults = AttributionConfig.fromEnvironment(Map.of("NODE_NAME", "n1.example.com"));
        assertEquals(AttributionConfig.forNode("n1.example.com"), defaults);
        assertEquals(Path.of("/proc"), defaults.procRoot());
    }

    @Test
    void badValuesFailNamingTheSetting() {
        var missing = assertThrows(IllegalArgumentException.class, () -> AttributionConfig.fromEnvironment(Map.of()));
        assertTrue(missing.getMessage().contains("NODE_NAME"), missing.getMessage());
        // A comma would smuggle a second requirement into the field selector.
        var odd = assertThrows(IllegalArgumentException.class, () -> AttributionConfig.forNode("a,spec.x=y"));
        assertTrue(odd.getMessage().contains("nodeName"), odd.getMessage());
        var expiry = assertThrows(IllegalArgumentException.class, () -> AttributionConfig.fromEnvironment(
                Map.of("NODE_NAME", "n", "GPUFLEET_PID_CACHE_EXPIRY", "60s")));
        assertTrue(expiry.getMessage().contains("GPUFLEET_PID_CACHE_EXPIRY"), expiry.getMessage());
        var zero = assertThrows(IllegalArgumentException.class,
                () -> new AttributionConfig("n", Path.of("/proc"), Duration.ZERO));
        assertTrue(zero.getMessage().contains("pidCacheExpiry"), zero.getMessage());
    }
}
