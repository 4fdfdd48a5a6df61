package io.gpufleet.exporter.nvml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.exporter.source.GpuField;
import io.gpufleet.exporter.source.GpuIdentity;
import io.gpufleet.exporter.source.GpuReading;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Against the host's real NVML, when there is one (skipped with the reason printed elsewhere). Loads the
 * system's {@code libnvidia-ml.so.1} by soname, never the fake.
 */
class NvmlRealGpuTest {
    private static final PrintStream OUT = new PrintStream(System.out, true, StandardCharsets.UTF_8);

    @Test
    void readsTheRealGpus() throws Exception {
        NvmlGpuSource source;
        String reason = null;
        try {
            source = NvmlGpuSource.open(NvmlLibrary.load(NvmlLibrary.DEFAULT_LIBRARY),
                    NvmlGpuSource.Settings.defaults("real-gpu-test"));
        } catch (NvmlException e) {
            source = null;
            reason = "no usable NVIDIA driver on this host: " + e.getMessage();
        }
        if (source == null) {
            OUT.println("NvmlRealGpuTest skipped: " + reason);
        }
        Assumptions.assumeTrue(source != null, reason);
        try (NvmlGpuSource src = source) {
            OUT.println(src.describe());
            OUT.println("bindings: " + src.library().bindings());
            assertFalse(src.gpus().isEmpty(), "NVML initialised but found no GPU");
            for (GpuIdentity gpu : src.gpus()) {
                OUT.println(gpu);
                assertTrue(gpu.uuid().startsWith("GPU-"), gpu.uuid());
                assertFalse(gpu.model().isEmpty());
                assertTrue(gpu.pciBusId().matches("[0-9A-F]{8}:[0-9A-F]{2}:[0-9A-F]{2}\\.[0-7]"), gpu.pciBusId());
                GpuReading r = src.read(gpu);
                GpuReading.Builder slow = new GpuReading.Builder(gpu, r.timestampMillis());
                src.readSlow(gpu, slow);
                for (GpuField f : GpuField.values()) {
                    GpuReading shown = f.slow() ? slow.build() : r;
                    OUT.printf("  %-32s %s%n", f, shown.has(f) ? shown.value(f) : "absent: " + shown.errors().get(f));
                }
                OUT.println("  nvlinks=" + r.nvLinks() + " processes=" + r.processes());
                assertFalse(r.lost());
                assertTrue(r.value(GpuField.MEMORY_TOTAL_BYTES) > 0);
                assertTrue(r.value(GpuField.MEMORY_FREE_BYTES) <= r.value(GpuField.MEMORY_TOTAL_BYTES));
                double temp = r.value(GpuField.GPU_TEMPERATURE_CELSIUS);
                assertTrue(Double.isNaN(temp) || (temp > 0 && temp < 130), "temperature " + temp);
                double util = r.value(GpuField.GPU_UTILIZATION_RATIO);
                assertTrue(Double.isNaN(util) || (util >= 0 && util <= 1), "utilization " + util);
            }
            OUT.println("topology: " + src.topology());
            List<?> events = src.awaitEvents(Duration.ofMillis(200));
            OUT.println("events in 200 ms: " + events);
            assertEquals(src.gpus().size(), src.gpus().stream().map(GpuIdentity::uuid).distinct().count());
            OUT.print(NvmlQueryBench.run(src, 100, OUT).format());
        }
    }
}
