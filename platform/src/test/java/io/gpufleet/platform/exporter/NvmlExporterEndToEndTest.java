package io.gpufleet.platform.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Library;
import com.sun.jna.Native;
import io.gpufleet.exporter.config.ExporterConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The whole exporter as `fleet exporter` runs it on a GPU node, against the fake libnvidia-ml.so.1 that
 * node-exporter's test build compiles: NVML readings, an XID from the event set, an unsupported field and a GPU
 * lost mid-run all reach /metrics.
 */
class NvmlExporterEndToEndTest {
    /** The fake library's control functions. */
    interface FakeNvml extends Library {
        void fake_reset();

        int fake_set_count(int n);

        void fake_fail(String fn, int rc);

        int fake_lose_gpu(int idx);

        int fake_push_event(int idx, long type, long data);
    }

    private static final Path FAKE = Path.of("..", "node-exporter", "target", "fake-nvml", "current", "libnvidia-ml.so.1")
            .toAbsolutePath().normalize();
    private final HttpClient http = HttpClient.newHttpClient();

    private String awaitMetrics(String url, Predicate<String> until) throws Exception {
        String body = "";
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            body = http.send(HttpRequest.newBuilder(URI.create(url + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            if (until.test(body)) return body;
            Thread.sleep(20);
        }
        throw new AssertionError("condition not met within 5 s; last exposition:\n" + body);
    }

    @Test
    void nvmlReadingsEventsAndFailuresReachMetrics() throws Exception {
        assertTrue(Files.isRegularFile(FAKE), "the fake NVML library is built by node-exporter's test build: " + FAKE);
        FakeNvml fake = Native.load(FAKE.toString(), FakeNvml.class);
        fake.fake_reset();
        fake.fake_set_count(2);
        fake.fake_fail("nvmlDeviceGetPowerUsage", 3); // NOT_SUPPORTED
        ExporterConfig config = ExporterConfig.resolve(Map.of("nvml-library", FAKE.toString(), "port", "0",
                "bind-address", "127.0.0.1", "interval", "100ms", "slow-interval", "100ms", "kubernetes", "off",
                "node-name", "gpu-node-1"), Map.of());
        try (ExporterRuntime rt = ExporterRuntime.start(config, Clock.systemUTC())) {
            String url = rt.exporters().get(0).url();
            String m = awaitMetrics(url, b -> b.contains("gpufleet_gpu_memory_total_bytes{"));
            assertTrue(m.contains("gpufleet_gpu_memory_total_bytes{gpu=\"1\",model=\"NVIDIA H100 80GB HBM3\",node=\"gpu-node-1\""), m);
            assertTrue(m.contains("DCGM_FI_DEV_GPU_TEMP{Hostname=\"gpu-node-1\""), m);
            assertTrue(m.contains("field=\"power_usage_watts\",gpu=\"0\"") && m.contains("reason=\"NOT_SUPPORTED\""), m);

            fake.fake_push_event(1, 0x8, 79); // XidCriticalError
            m = awaitMetrics(url, b -> b.contains("xid=\"79\""));
            assertTrue(m.lines().anyMatch(l -> l.startsWith("gpufleet_gpu_health_status{") && l.contains("gpu=\"1\"")
                    && l.contains("reason=\"xid_79_reboot_node\"") && l.endsWith(" 2.0")), m);

            fake.fake_lose_gpu(0);
            m = awaitMetrics(url, b -> b.lines().anyMatch(l -> l.startsWith("gpufleet_gpu_health_status{")
                    && l.contains("gpu=\"0\"") && l.contains("reason=\"lost\"")));
            assertEquals(1, m.lines().filter(l -> l.startsWith("gpufleet_gpu_memory_total_bytes{")).count(),
                    "a lost GPU's fields are absent while the other GPU keeps reporting");
        } finally {
            fake.fake_reset();
        }
    }
}
