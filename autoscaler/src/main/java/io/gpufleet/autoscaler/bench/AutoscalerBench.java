package io.gpufleet.autoscaler.bench;

import io.gpufleet.autoscaler.replay.InferenceBenchmark;
import io.gpufleet.autoscaler.replay.RateTrace;
import io.gpufleet.autoscaler.replay.ReplayResult;
import io.gpufleet.autoscaler.replay.TraceReader;
import io.gpufleet.autoscaler.training.GpufleetResizePolicy;
import io.gpufleet.autoscaler.training.SimpleElasticRule;
import io.gpufleet.autoscaler.training.TrainingJob;
import io.gpufleet.autoscaler.training.TrainingReplay;
import io.gpufleet.autoscaler.training.TrainingResult;
import io.gpufleet.autoscaler.training.TrainingTrace;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code fleet bench autoscaler}: the inference replay (static-peak, hpa, gpufleet) on the servegen m-large
 * and worldcup98 traces and the training replay (rigid, the reference's simple elastic rule, gpufleet's
 * elastic policy) on elasticflow cluster04 with 512 GPUs, as specified in shared/benchmarks/AUTOSCALER.md.
 * Prints tables, progress and one RESULT line per inference policy and training mode.
 *
 * <p>Arguments: {@code --trace <file>} (repeatable) replays that file instead of the defaults: a job trace
 * (submission_time, duration, num_gpu) goes to the training replay, anything else with a time and a rate or
 * count column to the inference replay; {@code --seeds 42..46} (or {@code 42,43} or a count {@code 3},
 * starting at 42) chooses the seeds of the inference replay.
 */
public final class AutoscalerBench {
    /** GPUs of the training pool. */
    public static final int TRAINING_POOL = 512;
    static final String SERVEGEN = "traces/servegen-llm/agg_10min_m-large.csv";
    static final String WORLDCUP = "traces/worldcup98/wc98_requests_per_minute.csv";
    static final String CLUSTER04 = "traces/msft-itp-elasticflow/cluster04.csv";

    private AutoscalerBench() {
    }

    public static void main(String[] args) {
        int rc = run(args, System.out);
        if (rc != 0) System.exit(rc);
    }

    /** Runs the benchmark; returns 0 on success, 2 on bad arguments or missing traces, 1 on failure. */
    public static int run(String[] args, PrintStream out) {
        List<Path> traces = new ArrayList<>();
        List<Long> seeds = InferenceBenchmark.DEFAULT_SEEDS;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                out.println("usage: fleet bench autoscaler [--trace <file>]... [--seeds 42..46 | 42,43 | <count>]");
                return 0;
            } else if (a.equals("--trace") || a.startsWith("--trace=")) {
                String v = a.contains("=") ? a.substring(a.indexOf('=') + 1) : (i + 1 < args.length ? args[++i] : null);
                if (v == null) return usage(out, "--trace needs a file");
                Path p = Path.of(v);
                if (!Files.isReadable(p)) return usage(out, "--trace: cannot read " + p.toAbsolutePath());
                traces.add(p);
            } else if (a.equals("--seeds") || a.startsWith("--seeds=")) {
                String v = a.contains("=") ? a.substring(a.indexOf('=') + 1) : (i + 1 < args.length ? args[++i] : null);
                if (v == null) return usage(out, "--seeds needs a value");
                try {
                    seeds = parseSeeds(v);
                } catch (IllegalArgumentException e) {
                    return usage(out, "--seeds: " + e.getMessage());
                }
            } else {
                return usage(out, "unknown argument '" + a + "'");
            }
        }
        List<Path> inference = new ArrayList<>();
        List<Path> training = new ArrayList<>();
        try {
            if (traces.isEmpty()) {
                Optional<Path> shared = findShared(Path.of("").toAbsolutePath());
                if (shared.isEmpty()) {
                    out.println("error: shared/traces not found: looked for shared/" + SERVEGEN + " in " + Path.of("").toAbsolutePath()
                            + " and every parent; run from inside the repository (its parent holds shared/) or pass --trace <file>");
                    return 2;
                }
                inference.add(shared.get().resolve(SERVEGEN));
                inference.add(shared.get().resolve(WORLDCUP));
                training.add(shared.get().resolve(CLUSTER04));
            } else {
                for (Path p : traces) (isJobTrace(p) ? training : inference).add(p);
            }
            List<String> results = new ArrayList<>();
            for (Path p : inference) results.addAll(inference(p, seeds, out));
            for (Path p : training) results.addAll(training(p, out));
            out.println();
            results.forEach(out::println);
            return 0;
        } catch (IOException | RuntimeException e) {
            out.println("error: " + e.getMessage());
            return 1;
        }
    }

    private static int usage(PrintStream out, String msg) {
        out.println("error: " + msg);
        out.println("usage: fleet bench autoscaler [--trace <file>]... [--seeds 42..46 | 42,43 | <count>]");
        return 2;
    }

    static List<Long> parseSeeds(String v) {
        List<Long> s = new ArrayList<>();
        try {
            if (v.contains("..")) {
                long a = Long.parseLong(v.substring(0, v.indexOf("..")).trim());
                long b = Long.parseLong(v.substring(v.indexOf("..") + 2).trim());
                if (b < a || b - a > 1000) throw new IllegalArgumentException("range " + v + " is empty or too long");
                for (long x = a; x <= b; x++) s.add(x);
            } else if (v.contains(",")) {
                for (String p : v.split(",")) s.add(Long.parseLong(p.trim()));
            } else {
                int n = Integer.parseInt(v.trim());
                if (n <= 0 || n > 1000) throw new IllegalArgumentException("count must be 1..1000, got " + n);
                for (int i = 0; i < n; i++) s.add(42L + i);
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + v + "' is not a seed list (42..46, 42,43 or a count)");
        }
        return s;
    }

    /** The nearest {@code shared/} above {@code from} that holds the default traces. */
    public static Optional<Path> findShared(Path from) {
        for (Path d = from; d != null; d = d.getParent()) {
            Path s = d.resolve("shared");
            if (Files.isRegularFile(s.resolve(SERVEGEN))) return Optional.of(s);
        }
        return Optional.empty();
    }

    static boolean isJobTrace(Path p) throws IOException {
        try (BufferedReader r = Files.newBufferedReader(p)) {
            String h = r.readLine();
            return h != null && h.toLowerCase(Locale.ROOT).contains("num_gpu");
        }
    }

    static String traceName(Path p) {
        String f = p.getFileName().toString();
        if (f.equals("agg_10min_m-large.csv")) return "servegen-m-large";
        if (f.startsWith("agg_10min_")) return "servegen-" + f.substring(10).replace(".csv", "");
        if (f.startsWith("wc98")) return "worldcup98";
        return f.replaceAll("\\.csv(\\.gz)?$", "");
    }

    static List<String> inference(Path file, List<Long> seeds, PrintStream out) throws IOException {
        String name = traceName(file);
        RateTrace read = TraceReader.read(file);
        RateTrace trace = new RateTrace(name, read.centres(), read.rates(), read.duration());
        out.printf(Locale.ROOT, "inference replay: %s (%s), %.1f days, seeds %s, C = 10 req/s per replica, cold start 120 s%n",
                name, file, trace.duration() / 86400.0, seeds);
        long t0 = System.nanoTime();
        List<ReplayResult> rs = InferenceBenchmark.run(trace, seeds, InferenceBenchmark.standardPolicies(trace.perSecond()), out::println);
        out.printf(Locale.ROOT, "  done in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        double peak = rs.get(0).gpuHours();
        double hpa = rs.stream().filter(r -> r.policy().equals("hpa")).findFirst().map(ReplayResult::gpuHours).orElse(Double.NaN);
        out.printf(Locale.ROOT, "  %-12s %12s %9s %9s %12s %10s %10s %11s%n", "policy", "GPU-hours", "vs peak", "vs hpa", "violation %", "viol. min", "actions", "cold starts");
        for (ReplayResult r : rs) {
            out.printf(Locale.ROOT, "  %-12s %12.1f %8.1f%% %+8.1f%% %12.4f %10.1f %10.1f %11.1f%n", r.policy(), r.gpuHours(),
                    100 * r.gpuHours() / peak, 100 * (r.gpuHours() / hpa - 1), r.violationPct(), r.violationMinutes(), r.actions(), r.coldStarts());
        }
        List<String> lines = new ArrayList<>();
        for (ReplayResult r : rs) {
            lines.add(String.format(Locale.ROOT, "RESULT autoscaler trace=%s policy=%s gpu_hours=%.1f violation_pct=%.4f actions=%d",
                    name, r.policy(), r.gpuHours(), r.violationPct(), Math.round(r.actions())));
        }
        return lines;
    }

    static List<String> training(Path file, PrintStream out) throws IOException {
        String name = traceName(file);
        List<TrainingJob> jobs = TrainingTrace.read(file);
        out.printf(Locale.ROOT, "training replay: %s (%s), %d jobs on %d GPUs%n", name, file, jobs.size(), TRAINING_POOL);
        long t0 = System.nanoTime();
        // the three replays are independent: run them side by side
        var rigidF = java.util.concurrent.CompletableFuture.supplyAsync(() -> TrainingReplay.rigid(jobs, TRAINING_POOL));
        var simpleF = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> TrainingReplay.elastic("elastic-simple", jobs, TRAINING_POOL, new SimpleElasticRule()));
        var oursF = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> TrainingReplay.elastic("elastic", jobs, TRAINING_POOL, new GpufleetResizePolicy()));
        List<TrainingResult> rs = List.of(rigidF.join(), simpleF.join(), oursF.join());
        out.printf(Locale.ROOT, "  rigid, elastic-simple (the reference's rule) and elastic (gpufleet) done in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        out.printf(Locale.ROOT, "  offered load %.3f%n", rs.get(0).offeredLoad());
        out.printf(Locale.ROOT, "  %-15s %10s %10s %12s %8s %9s %10s %10s%n", "mode", "mean JCT h", "p95 JCT h", "mean queue h", "util", "resizes", "mean/rigid", "p95/rigid");
        TrainingResult rigid = rs.get(0);
        for (TrainingResult r : rs) {
            out.printf(Locale.ROOT, "  %-15s %10.2f %10.2f %12.2f %8.3f %9d %10.3f %10.3f%n", r.mode(), r.meanJct() / 3600, r.p95Jct() / 3600,
                    r.meanQueue() / 3600, r.utilization(), r.resizes(), r.meanJct() / rigid.meanJct(), r.p95Jct() / rigid.p95Jct());
        }
        List<String> lines = new ArrayList<>();
        for (TrainingResult r : List.of(rs.get(0), rs.get(2))) {
            lines.add(String.format(Locale.ROOT, "RESULT training trace=%s mode=%s mean_jct_s=%.0f p95_jct_s=%.0f mean_queue_s=%.0f resizes=%d",
                    name, r.mode(), r.meanJct(), r.p95Jct(), r.meanQueue(), r.resizes()));
        }
        return lines;
    }
}
