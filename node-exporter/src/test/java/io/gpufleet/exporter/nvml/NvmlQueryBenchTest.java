package io.gpufleet.exporter.nvml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NvmlQueryBenchTest {
    @TempDir
    Path dir;
    NvmlGpuSource source;
    ByteArrayOutputStream progress = new ByteArrayOutputStream();

    @BeforeEach
    void setUp() {
        FakeNvml.current().fake_set_count(2);
        source = NvmlGpuSource.open(NvmlLibrary.load(FakeNvml.CURRENT.toString()),
                new NvmlGpuSource.Settings("bench", dir, NvmlGpuSourceTest.CLOCK));
    }

    @AfterEach
    void tearDown() {
        source.close();
    }

    private PrintStream out() {
        return new PrintStream(progress, true, StandardCharsets.UTF_8);
    }

    private Path script(String body) throws Exception {
        Path smi = dir.resolve("nvidia-smi");
        Files.writeString(smi, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(smi, PosixFilePermissions.fromString("rwxr-xr-x"));
        return smi;
    }

    @Test
    void timesEveryGpuAndNvidiaSmi() throws Exception {
        Path smi = script("echo '81559 MiB, 0 MiB, 36'");
        NvmlQueryBench.Result r = NvmlQueryBench.run(source, 200, out(), Optional.of(smi));
        assertEquals(2, r.gpus().size());
        for (NvmlQueryBench.GpuTiming g : r.gpus()) {
            assertEquals(200, g.iterations());
            assertTrue(g.medianMicros() > 0 && g.medianMicros() <= g.p99Micros(), g.toString());
            // Everything but page retirement (pre-Ampere) and the slow PCIe throughput pair.
            assertEquals(io.gpufleet.exporter.source.GpuField.count() - 3 - 2, g.fieldsRead(), g.toString());
        }
        NvmlQueryBench.SmiTiming s = r.nvidiaSmi().orElseThrow();
        assertEquals(200, s.iterations());
        assertEquals(NvmlQueryBench.SMI_FIELDS, s.fields());
        assertEquals("81559 MiB, 0 MiB, 36", s.firstLine());
        assertTrue(s.medianMillis() > 0 && s.medianMillis() <= s.p99Millis());
        String report = r.format();
        assertTrue(report.contains("GPU 1 GPU-af424309-ce2b-fbba-fa7e-be68500bd16d: full read() median"), report);
        assertTrue(report.contains("nvidia-smi --query-gpu (26 fields, all GPUs)"), report);
        assertTrue(progress.toString(StandardCharsets.UTF_8).contains("NVML: GPU 0, 200 reads"));
    }

    @Test
    void olderNvidiaSmiGetsTheBasicFieldList() throws Exception {
        Path smi = script("case \"$1\" in *clocks_event_reasons*) echo 'Field \"clocks_event_reasons.active\" "
                + "is not a valid field to query.'; exit 2;; esac; echo ok");
        NvmlQueryBench.Result r = NvmlQueryBench.run(source, 5, out(), Optional.of(smi));
        assertEquals(NvmlQueryBench.SMI_BASIC_FIELDS, r.nvidiaSmi().orElseThrow().fields());
        assertTrue(r.nvidiaSmiNote().contains("is not a valid field"), r.nvidiaSmiNote());
    }

    @Test
    void withoutNvidiaSmiOnlyNvmlIsTimed() {
        NvmlQueryBench.Result r = NvmlQueryBench.run(source, 10, out(), Optional.empty());
        assertEquals(2, r.gpus().size());
        assertTrue(r.nvidiaSmi().isEmpty());
        assertTrue(r.format().contains("nvidia-smi: not on PATH"), r.format());
        assertThrows(IllegalArgumentException.class, () -> NvmlQueryBench.run(source, 0, out(), Optional.empty()));
    }

    @Test
    void findsExecutablesOnPath() throws Exception {
        Path smi = script("true");
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertEquals(Optional.of(smi), NvmlQueryBench.findOnPath("nvidia-smi", empty + ":" + dir));
        assertEquals(Optional.empty(), NvmlQueryBench.findOnPath("nvidia-smi", empty.toString()));
        assertEquals(Optional.empty(), NvmlQueryBench.findOnPath("nvidia-smi", null));
    }

    @Test
    void percentilesAreSampleValuesInOrder() {
        assertEquals(3, NvmlQueryBench.percentile(new long[] {1, 2, 3, 4, 5}, 0.5));
        assertEquals(99, NvmlQueryBench.percentile(java.util.stream.LongStream.rangeClosed(1, 100).toArray(), 0.99));
        SplittableRandom rnd = new SplittableRandom(99);
        for (int i = 0; i < 500; i++) {
            long[] xs = rnd.longs(1 + rnd.nextInt(300), 0, 1_000_000).sorted().toArray();
            double p50 = NvmlQueryBench.percentile(xs, 0.5), p99 = NvmlQueryBench.percentile(xs, 0.99);
            assertTrue(xs[0] <= p50 && p50 <= p99 && p99 <= xs[xs.length - 1]);
            assertTrue(Arrays.binarySearch(xs, (long) p99) >= 0, "a sample, not an interpolation");
            long below = Arrays.stream(xs).filter(x -> x < p50).count();
            assertTrue(below < Math.ceil(xs.length * 0.5), "nearest rank");
        }
    }
}
