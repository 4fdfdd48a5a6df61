package io.gpufleet.platform.bench;

import io.gpufleet.platform.exporter.ExporterCommand;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fleet bench exporter}: starts the exporter as it ships (its own JVM, the launcher's JVM options) on
 * a simulated node of 8 and of 64 GPUs, scrapes {@code /metrics} over keep-alive HTTP, and reports scrape
 * latency p50/p99, bytes per scrape, CPU seconds per 1000 collections and resident memory. Protocol:
 * shared/benchmarks/EXPORTER.md.
 */
@Command(name = "exporter", mixinStandardHelpOptions = true,
        description = "Scrape latency, CPU per collection and RSS of the exporter on simulated nodes.")
public final class ExporterBench implements Callable<Integer> {

    @Option(names = "--gpus", split = ",", paramLabel = "<n>", description = "GPU counts to measure (default: 8,64).")
    int[] gpus = {8, 64};

    @Option(names = "--scrapes", paramLabel = "<n>", description = "Timed scrapes per size (default: 5000).")
    int scrapes = 5000;

    @Option(names = "--warmup", paramLabel = "<n>",
            description = "Untimed scrapes first, so the HTTP path is compiled as in a long-running exporter (default: 2000).")
    int warmup = 2000;

    @Option(names = "--cpu-seconds", paramLabel = "<s>",
            description = "Window without scrapes in which CPU per collection is measured (default: 20).")
    int cpuSeconds = 20;

    @Option(names = "--interval", paramLabel = "<duration>",
            description = "Collection interval of the exporter under test (default: 1s, as shipped).")
    String interval = "1s";

    @Option(names = "--jvm-opts", paramLabel = "<opts>", description = "JVM options of the exporter (default: as shipped).")
    String jvmOpts = ExporterCommand.DEFAULT_JVM_OPTS;

    /** What one size measured. */
    public record Result(int gpus, double p50Ms, double p99Ms, double meanBytes, double cpuSecondsPer1000, double rssMib,
                         double peakRssMib, int scrapes) {}

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        List<Result> results = new ArrayList<>();
        for (int n : gpus) {
            out.printf(Locale.ROOT, "exporter with %d simulated GPUs: starting...%n", n);
            results.add(measure(n, out));
        }
        out.println();
        out.println("| GPUs | scrapes | p50 ms | p99 ms | bytes/scrape | CPU s / 1000 collections | RSS MiB | peak RSS MiB |");
        out.println("|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (Result r : results) {
            out.printf(Locale.ROOT, "| %d | %d | %.3f | %.3f | %.0f | %.2f | %.1f | %.1f |%n", r.gpus(), r.scrapes(),
                    r.p50Ms(), r.p99Ms(), r.meanBytes(), r.cpuSecondsPer1000(), r.rssMib(), r.peakRssMib());
        }
        out.println("targets: 8 GPUs p99 <= 2 ms, 64 GPUs p99 <= 10 ms, RSS <= 96 MiB");
        for (Result r : results) {
            out.printf(Locale.ROOT, "RESULT exporter gpus=%d scrape_p50_ms=%.3f scrape_p99_ms=%.3f rss_mib=%.1f "
                            + "bytes_per_scrape=%.0f cpu_s_per_1000_collections=%.2f%n", r.gpus(), r.p50Ms(), r.p99Ms(),
                    r.rssMib(), r.meanBytes(), r.cpuSecondsPer1000());
        }
        return 0;
    }

    private Result measure(int n, PrintStream out) throws Exception {
        int port = freePort();
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(Arrays.asList(jvmOpts.trim().split("\\s+")));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.gpufleet.platform.Fleet", "exporter",
                "--simulate", Integer.toString(n), "--port", Integer.toString(port), "--bind-address", "127.0.0.1",
                "--interval", interval, "--kubernetes", "off"));
        Path log = Files.createTempFile("gpufleet-bench-exporter", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putIfAbsent("MALLOC_ARENA_MAX", "2"); // as the fleet launcher runs the exporter
        Process child = pb.start();
        try {
            String base = "http://127.0.0.1:" + port;
            waitReady(base + "/health", child, log);
            for (int i = 0; i < warmup; i++) scrape(base + "/metrics");
            long[] nanos = new long[scrapes];
            long bytes = 0;
            int step = Math.max(1, scrapes / 20);
            for (int i = 0; i < scrapes; i++) {
                long t0 = System.nanoTime();
                bytes += scrape(base + "/metrics");
                nanos[i] = System.nanoTime() - t0;
                if (i % step == 0) out.printf(Locale.ROOT, "\r  scraping %d/%d", i, scrapes);
            }
            out.printf(Locale.ROOT, "\r  scraping %d/%d done%n", scrapes, scrapes);
            double rss = statusKb(child.pid(), "VmRSS") / 1024.0;
            // CPU per collection: an idle window with no scrapes, counting passes from the exporter's own counter.
            double c0 = collections(base), cpu0 = cpuSeconds(child.pid());
            out.printf(Locale.ROOT, "  measuring CPU for %d s without scrapes...%n", cpuSeconds);
            Thread.sleep(cpuSeconds * 1000L);
            double cpu1 = cpuSeconds(child.pid()), c1 = collections(base);
            double peak = statusKb(child.pid(), "VmHWM") / 1024.0;
            Percentiles p = new Percentiles(nanos);
            return new Result(n, p.at(50) / 1e6, p.at(99) / 1e6, (double) bytes / scrapes,
                    (cpu1 - cpu0) / Math.max(1, c1 - c0) * 1000, rss, peak, scrapes);
        } finally {
            child.destroy();
            if (!child.waitFor(10, TimeUnit.SECONDS)) child.destroyForcibly();
            Files.deleteIfExists(log);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void waitReady(String url, Process child, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!child.isAlive()) {
                throw new IllegalStateException("exporter exited with " + child.exitValue() + ":\n" + Files.readString(log));
            }
            try {
                HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
                if (c.getResponseCode() == 200) {
                    c.getInputStream().readAllBytes();
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("exporter did not become ready within 60 s:\n" + Files.readString(log));
    }

    /** One scrape over a kept-alive connection (HttpURLConnection pools it); returns the body size. */
    private static long scrape(String url) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
        c.setRequestProperty("Accept", "text/plain;version=0.0.4");
        if (c.getResponseCode() != 200) throw new IOException("scrape answered " + c.getResponseCode());
        long n = 0;
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = c.getInputStream()) {
            int r;
            while ((r = in.read(buf)) > 0) n += r;
        }
        return n;
    }

    private static double collections(String base) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create(base + "/metrics").toURL().openConnection();
        String body;
        try (InputStream in = c.getInputStream()) {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        for (String line : body.split("\n")) {
            if (line.startsWith("gpufleet_exporter_collections_total{")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new IOException("no gpufleet_exporter_collections_total in /metrics");
    }

    /** utime + stime of a process from /proc/<pid>/stat, in seconds (USER_HZ is 100 on Linux). */
    static double cpuSeconds(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // After the command name: state is field 3, utime field 14, stime field 15 (1-based, whole line).
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
    }

    static long statusKb(long pid, String key) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith(key + ":")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
        return -1;
    }
}
