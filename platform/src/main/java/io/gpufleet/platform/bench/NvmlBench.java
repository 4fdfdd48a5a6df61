package io.gpufleet.platform.bench;

import io.gpufleet.exporter.nvml.NvmlGpuSource;
import io.gpufleet.exporter.nvml.NvmlLibrary;
import io.gpufleet.exporter.nvml.NvmlQueryBench;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fleet bench nvml}: on a machine with an NVIDIA GPU, the cost of the exporter's full per-GPU NVML query
 * set against one {@code nvidia-smi --query-gpu} call for the same fields, side by side in one run
 * (shared/benchmarks/EXPORTER.md, "Real GPU").
 */
@Command(name = "nvml", mixinStandardHelpOptions = true,
        description = "NVML query set against nvidia-smi --query-gpu on this machine's GPUs.")
public final class NvmlBench implements Callable<Integer> {

    @Option(names = "--iterations", paramLabel = "<n>", description = "Reads per GPU and nvidia-smi calls (default: 200).")
    int iterations = 200;

    @Option(names = "--nvml-library", paramLabel = "<lib>", description = "NVML library (default: libnvidia-ml.so.1).")
    String library = NvmlLibrary.DEFAULT_LIBRARY;

    @Override
    public Integer call() throws Exception {
        NvmlGpuSource src;
        try {
            src = NvmlGpuSource.open(NvmlLibrary.load(library), new NvmlGpuSource.Settings(
                    InetAddress.getLocalHost().getHostName(), Path.of("/"), Clock.systemUTC()));
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            System.err.println("fleet bench nvml: no NVML here (" + e.getMessage() + "); this benchmark needs an NVIDIA GPU");
            return 1;
        }
        try (src) {
            NvmlQueryBench.Result r = NvmlQueryBench.run(src, iterations, System.out);
            System.out.print(r.format());
            double p50 = r.gpus().stream().mapToDouble(NvmlQueryBench.GpuTiming::medianMicros).max().orElse(0);
            double p99 = r.gpus().stream().mapToDouble(NvmlQueryBench.GpuTiming::p99Micros).max().orElse(0);
            String smi = r.nvidiaSmi().map(s -> String.format(Locale.ROOT, " nvidia_smi_p50_ms=%.2f nvidia_smi_p99_ms=%.2f"
                    + " smi_over_nvml=%.0f", s.medianMillis(), s.p99Millis(), s.medianMillis() * 1000 / Math.max(p50, 1e-9)))
                    .orElse("");
            System.out.printf(Locale.ROOT, "RESULT nvml gpus=%d read_p50_us=%.1f read_p99_us=%.1f%s%n",
                    r.gpus().size(), p50, p99, smi);
        }
        return 0;
    }
}
