package io.gpufleet.exporter.nvml;

import io.gpufleet.exporter.source.GpuField;
import io.gpufleet.exporter.source.GpuIdentity;
import io.gpufleet.exporter.source.GpuReading;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What one full per-GPU query costs through NVML (the exporter's own {@link NvmlGpuSource#read}) next to
 * the same fields through {@code nvidia-smi --query-gpu}, as {@code fleet bench nvml} prints it.
 */
public final class NvmlQueryBench {
    /** The nvidia-smi fields matching what {@link NvmlGpuSource#read} collects (drivers ≥ 535 know them all). */
    public static final List<String> SMI_FIELDS = List.of("memory.total", "memory.used", "memory.free",
            "memory.reserved", "utilization.gpu", "utilization.memory", "temperature.gpu", "temperature.memory",
            "power.draw", "power.limit", "clocks.sm", "clocks.mem", "pstate", "clocks_event_reasons.active",
            "ecc.errors.corrected.volatile.total", "ecc.errors.uncorrected.volatile.total",
            "ecc.errors.corrected.aggregate.total", "ecc.errors.uncorrected.aggregate.total",
            "retired_pages.pending", "remapped_rows.correctable", "remapped_rows.uncorrectable",
            "remapped_rows.pending", "remapped_rows.failure", "pcie.link.gen.current", "pcie.link.width.current",
            "mig.mode.current");
    /** Fields every driver in use knows; used when an older nvidia-smi rejects {@link #SMI_FIELDS}. */
    public static final List<String> SMI_BASIC_FIELDS = List.of("memory.total", "memory.used", "utilization.gpu",
            "temperature.gpu", "power.draw", "clocks.sm", "ecc.errors.uncorrected.volatile.total",
            "pcie.link.gen.current", "pcie.link.width.current");

    /** One GPU's {@code read()} cost. */
    public record GpuTiming(int index, String uuid, int iterations, double medianMicros, double p99Micros,
                            int fieldsRead) {}

    /** One {@code nvidia-smi --query-gpu} call's cost (it answers for all GPUs at once). */
    public record SmiTiming(int iterations, double medianMillis, double p99Millis, List<String> fields,
                            String firstLine) {}

    /**
     * @param description  the source's description (driver, GPU count)
     * @param gpus         NVML timings per GPU
     * @param nvidiaSmi    nvidia-smi timings, when it is on PATH and answered
     * @param nvidiaSmiNote why there are none, or empty
     */
    public record Result(String description, List<GpuTiming> gpus, Optional<SmiTiming> nvidiaSmi,
                         String nvidiaSmiNote) {
        public Result {
            gpus = List.copyOf(gpus);
        }

        /** A short human-readable report. */
        public String format() {
            StringBuilder sb = new StringBuilder();
            sb.append("NVML query bench: ").append(description).append('\n');
            for (GpuTiming g : gpus) {
                sb.append(String.format(Locale.ROOT,
                        "  GPU %d %s: full read() median %.1f us, p99 %.1f us (%d fields, %d iterations)%n",
                        g.index(), g.uuid(), g.medianMicros(), g.p99Micros(), g.fieldsRead(), g.iterations()));
            }
            if (nvidiaSmi.isPresent()) {
                SmiTiming s = nvidiaSmi.get();
                sb.append(String.format(Locale.ROOT,
                        "  nvidia-smi --query-gpu (%d fields, all GPUs): median %.1f ms, p99 %.1f ms (%d calls)%n",
                        s.fields().size(), s.medianMillis(), s.p99Millis(), s.iterations()));
            } else {
                sb.append("  nvidia-smi: ").append(nvidiaSmiNote).append('\n');
            }
            return sb.toString();
        }
    }

    private NvmlQueryBench() {}

    /** Times {@code iterations} full reads per GPU, then as many nvidia-smi calls when it is on PATH. */
    public static Result run(NvmlGpuSource src, int iterations, PrintStream progress) {
        return run(src, iterations, progress, findOnPath("nvidia-smi", System.getenv("PATH")));
    }

    static Result run(NvmlGpuSource src, int iterations, PrintStream progress, Optional<Path> nvidiaSmi) {
        if (iterations < 1) throw new IllegalArgumentException("iterations must be >= 1, was " + iterations);
        List<GpuTiming> gpus = new ArrayList<>();
        for (GpuIdentity gpu : src.gpus()) {
            progress.printf(Locale.ROOT, "NVML: GPU %d, %d reads...%n", gpu.index(), iterations);
            for (int i = 0; i < Math.min(iterations, 50); i++) src.read(gpu); // JIT and NVML warm-up
            long[] nanos = new long[iterations];
            int fields = 0;
            for (int i = 0; i < iterations; i++) {
                long t0 = System.nanoTime();
                GpuReading r = src.read(gpu);
                nanos[i] = System.nanoTime() - t0;
                if (i == 0) fields = countPresent(r);
            }
            Arrays.sort(nanos);
            gpus.add(new GpuTiming(gpu.index(), gpu.uuid(), iterations, percentile(nanos, 0.5) / 1e3,
                    percentile(nanos, 0.99) / 1e3, fields));
        }
        if (nvidiaSmi.isEmpty()) return new Result(src.describe(), gpus, Optional.empty(), "not on PATH");
        progress.printf(Locale.ROOT, "nvidia-smi: %d calls...%n", iterations);
        try {
            SmiAttempt full = timeSmi(nvidiaSmi.get(), SMI_FIELDS, iterations);
            if (full.timing != null) return new Result(src.describe(), gpus, Optional.of(full.timing), "");
            progress.println("nvidia-smi rejected the full field list (" + full.error + "), retrying the basic one");
            SmiAttempt basic = timeSmi(nvidiaSmi.get(), SMI_BASIC_FIELDS, iterations);
            return new Result(src.describe(), gpus, Optional.ofNullable(basic.timing),
                    basic.timing == null ? basic.error : "full field list rejected: " + full.error);
        } catch (IOException e) {
            return new Result(src.describe(), gpus, Optional.empty(), "could not run: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(src.describe(), gpus, Optional.empty(), "interrupted");
        }
    }

    private record SmiAttempt(SmiTiming timing, String error) {}

    private static SmiAttempt timeSmi(Path smi, List<String> fields, int iterations)
            throws IOException, InterruptedException {
        List<String> cmd = List.of(smi.toString(), "--query-gpu=" + String.join(",", fields), "--format=csv,noheader");
        long[] nanos = new long[iterations];
        String first = "";
        for (int i = 0; i < iterations; i++) {
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out;
            try (InputStream in = p.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            int exit = p.waitFor();
            nanos[i] = System.nanoTime() - t0;
            String line = out.strip().lines().findFirst().orElse("");
            if (exit != 0) return new SmiAttempt(null, "exit " + exit + ": " + line);
            if (i == 0) first = line;
        }
        Arrays.sort(nanos);
        return new SmiAttempt(new SmiTiming(iterations, percentile(nanos, 0.5) / 1e6, percentile(nanos, 0.99) / 1e6,
                fields, first), null);
    }

    private static int countPresent(GpuReading r) {
        int n = 0;
        for (GpuField f : GpuField.values()) if (r.has(f)) n++;
        return n;
    }

    /** Nearest-rank percentile of an ascending array; {@code q} in (0, 1]. */
    static double percentile(long[] sorted, double q) {
        if (sorted.length == 0) throw new IllegalArgumentException("no samples");
        if (!(q > 0 && q <= 1)) throw new IllegalArgumentException("q must be in (0, 1], was " + q);
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
    }

    /** The first executable {@code name} in a PATH-style list. */
    static Optional<Path> findOnPath(String name, String path) {
        if (path == null) return Optional.empty();
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return Optional.of(p);
        }
        return Optional.empty();
    }
}
