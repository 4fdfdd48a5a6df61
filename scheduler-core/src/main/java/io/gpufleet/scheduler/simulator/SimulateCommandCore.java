package io.gpufleet.scheduler.simulator;

import io.gpufleet.scheduler.plugins.fgd.TypicalPod;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code fleet simulate}: the FGD experiment (benchmarks/SCHEDULER.md part 1) on a trace, or a replay with
 * departures.
 *
 * <pre>
 * simulate --nodes &lt;csv&gt; --pods &lt;csv&gt; --policies random,dotprod,gpupacking,gpuclustering,bestfit,fgd,gpufleet
 *          --seeds 10 --load 130 --out &lt;dir&gt; [--first-seed 42] [--threads N] [--coverage 0.95] [--replay]
 * </pre>
 * Prints a progress bar, the table (alloc ratio at 80..130% arrivals, mean ± standard deviation over seeds; the
 * fragmentation ratio at 60/80/90%; failed pods by kind), writes {@code curves.csv}, {@code runs.csv} and
 * {@code alloc.png} to the output folder and ends with one {@code RESULT simulate ...} line per policy. With
 * {@code --replay}, pods arrive at creation_time and leave at deletion_time (one run per policy); it writes
 * {@code replay-<policy>.csv} and prints metrics over time; {@code --duration-scale k} stretches run times k-fold. {@code --nodes}/{@code --pods} default to the
 * Alibaba trace found under a {@code shared/traces/} folder above the working directory.
 */
public final class SimulateCommandCore {
    static final String TRACE_DIR = "shared/traces/alibaba-gpu-v2023/csv";

    private SimulateCommandCore() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out));
    }

    /** Runs the command; returns the exit code (0 ok, 2 bad arguments or input, 1 failure). */
    public static int run(String[] args, PrintStream out) {
        Options o;
        try {
            o = Options.parse(args, Path.of("").toAbsolutePath());
        } catch (IllegalArgumentException e) {
            out.println("simulate: " + e.getMessage());
            out.println(Options.USAGE);
            return 2;
        }
        if (o == null) {
            out.println(Options.USAGE);
            return 0;
        }
        try {
            List<TraceNode> nodes = TraceCsv.readNodes(o.nodes);
            List<TracePod> pods = TraceCsv.readPods(o.pods);
            Files.createDirectories(o.out);
            String trace = o.pods.getFileName().toString();
            out.printf(Locale.ROOT, "simulate: %d nodes (%d GPUs), %d pods from %s; policies %s; seeds %d from %d; load %.0f%%; %d threads%n",
                    nodes.size(), TraceCluster.gpuMilli(nodes) / 1000, pods.size(), trace, String.join(",", o.policies),
                    o.seeds, o.firstSeed, o.load, o.threads);
            if (o.replay) return replay(o, nodes, pods, trace, out);
            Simulator.Config c = new Simulator.Config(o.policies, o.seeds, o.firstSeed, o.load, o.threads, o.coverage);
            int total = o.policies.size() * o.seeds;
            long t0 = System.nanoTime();
            Map<String, List<RunResult>> res = Simulator.run(nodes, pods, c, done -> progress(out, done, total, t0));
            out.println();
            report(res, o, trace, out);
            return 0;
        } catch (TraceFormatException | UncheckedIOException e) {
            out.println("simulate: " + e.getMessage());
            return 2;
        } catch (IllegalArgumentException e) {
            out.println("simulate: " + e.getMessage());
            return 2;
        } catch (IOException e) {
            out.println("simulate: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.println("simulate: interrupted");
            return 1;
        }
    }

    private static synchronized void progress(PrintStream out, int done, int total, long t0) {
        int width = 30, filled = done * width / total;
        out.printf(Locale.ROOT, "\r[%s%s] %d/%d runs, %.0f s", "#".repeat(filled), ".".repeat(width - filled), done, total,
                (System.nanoTime() - t0) / 1e9);
        out.flush();
    }

    /** Mean and sample standard deviation over seeds at every integer arrive ratio 0..max (NaN-free seeds only). */
    record Curve(double[] mean, double[] sd) {
        static Curve of(List<double[]> perSeed, int max) {
            double[] m = new double[max + 1], s = new double[max + 1];
            for (int x = 0; x <= max; x++) {
                double sum = 0, sq = 0;
                int n = 0;
                for (double[] v : perSeed) {
                    if (x < v.length && !Double.isNaN(v[x])) {
                        sum += v[x];
                        sq += v[x] * v[x];
                        n++;
                    }
                }
                m[x] = n == 0 ? Double.NaN : sum / n;
                s[x] = n < 2 ? 0 : Math.sqrt(Math.max(0, (sq - sum * sum / n) / (n - 1)));
            }
            return new Curve(m, s);
        }
    }

    private static void report(Map<String, List<RunResult>> res, Options o, String trace, PrintStream out) throws IOException {
        int max = (int) Math.round(o.load);
        Map<String, Curve> alloc = new LinkedHashMap<>(), frag = new LinkedHashMap<>();
        for (Map.Entry<String, List<RunResult>> e : res.entrySet()) {
            List<double[]> a = new ArrayList<>(), f = new ArrayList<>();
            for (RunResult r : e.getValue()) {
                a.add(r.byArrivePct(r.alloc(), max));
                f.add(r.byArrivePct(r.frag(), max));
            }
            alloc.put(e.getKey(), Curve.of(a, max));
            frag.put(e.getKey(), Curve.of(f, max));
        }
        int[] points = Arrays.stream(new int[] {80, 90, 100, 110, 120, 130}).filter(x -> x <= max).toArray();
        StringBuilder h = new StringBuilder(String.format(Locale.ROOT, "%-14s", "policy"));
        for (int x : points) h.append(String.format(Locale.ROOT, "%15s", "alloc@" + x + "%"));
        h.append(String.format(Locale.ROOT, "%18s  %s", "frag@60/80/90%", "failed cpu/share/whole/multi"));
        out.println("GPU allocation ratio (%) by arrived GPU (% of capacity), mean ± sd over " + o.seeds + " seeds, " + trace);
        out.println(h);
        for (Map.Entry<String, List<RunResult>> e : res.entrySet()) {
            String p = e.getKey();
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-14s", p));
            Curve a = alloc.get(p), f = frag.get(p);
            for (int x : points) row.append(String.format(Locale.ROOT, "%15s", String.format(Locale.ROOT, "%.2f ± %.2f", a.mean[x], a.sd[x])));
            row.append(String.format(Locale.ROOT, "%18s  %s", String.format(Locale.ROOT, "%.0f/%.0f/%.0f", at(f, 60), at(f, 80), at(f, 90)),
                    failedMeans(e.getValue())));
            out.println(row);
        }
        writeCsv(o.out.resolve("curves.csv"), alloc, frag, max);
        writeRuns(o.out.resolve("runs.csv"), res, max);
        Map<String, double[]> lines = new LinkedHashMap<>();
        alloc.forEach((k, v) -> lines.put(k, v.mean));
        Plot.write(o.out.resolve("alloc.png"), "GPU allocation vs arrived GPU, " + trace + " (" + o.seeds + " seeds)",
                "arrived GPU (% of capacity)", "allocated GPU (% of capacity)", lines, 0, max, 0, 100);
        out.println("wrote " + o.out.resolve("curves.csv") + ", " + o.out.resolve("runs.csv") + ", " + o.out.resolve("alloc.png"));
        for (String p : res.keySet()) {
            Curve a = alloc.get(p);
            out.printf(Locale.ROOT, "RESULT simulate trace=%s policy=%s seeds=%d alloc_pct_at_100=%.2f alloc_pct_at_%d=%.2f frag_ratio_at_90=%.1f%n",
                    trace, p, o.seeds, at(a, 100), max, at(a, max), at(frag.get(p), 90));
        }
    }

    private static double at(Curve c, int x) {
        return x < c.mean.length ? c.mean[x] : Double.NaN;
    }

    private static String failedMeans(List<RunResult> runs) {
        StringBuilder sb = new StringBuilder();
        for (TracePod.Kind k : TracePod.Kind.values()) {
            double s = 0;
            for (RunResult r : runs) s += r.failed().get(k);
            if (sb.length() > 0) sb.append('/');
            sb.append(String.format(Locale.ROOT, "%.0f", s / runs.size()));
        }
        return sb.toString();
    }

    private static void writeCsv(Path file, Map<String, Curve> alloc, Map<String, Curve> frag, int max) throws IOException {
        StringBuilder sb = new StringBuilder("policy,arrive_pct,alloc_pct_mean,alloc_pct_sd,frag_pct_mean,frag_pct_sd\n");
        for (String p : alloc.keySet()) {
            Curve a = alloc.get(p), f = frag.get(p);
            for (int x = 0; x <= max; x++) {
                sb.append(String.format(Locale.ROOT, "%s,%d,%.4f,%.4f,%.4f,%.4f%n", p, x, a.mean[x], a.sd[x], f.mean[x], f.sd[x]));
            }
        }
        Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
    }

    private static void writeRuns(Path file, Map<String, List<RunResult>> res, int max) throws IOException {
        StringBuilder sb = new StringBuilder("policy,seed,pods,failed_cpu_only,failed_sharing,failed_whole,failed_multi_gpu,alloc_pct_at_100,alloc_pct_at_" + max + ",millis\n");
        for (List<RunResult> rs : res.values()) {
            for (RunResult r : rs) {
                double[] a = r.byArrivePct(r.alloc(), max);
                sb.append(String.format(Locale.ROOT, "%s,%d,%d,%d,%d,%d,%d,%.4f,%.4f,%d%n", r.policy(), r.seed(), r.pods(),
                        r.failed().get(TracePod.Kind.CPU_ONLY), r.failed().get(TracePod.Kind.SHARING), r.failed().get(TracePod.Kind.WHOLE),
                        r.failed().get(TracePod.Kind.MULTI_GPU), a.length > 100 ? a[100] : Double.NaN, a[max], r.millis()));
            }
        }
        Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
    }

    private static int replay(Options o, List<TraceNode> nodes, List<TracePod> pods, String trace, PrintStream out) throws IOException {
        List<TypicalPod> fragTypical = Policies.count(pods).typical(o.coverage);
        out.println("replay with departures (creation_time / deletion_time, run times x " + o.durationScale + "), node order of seed " + o.firstSeed);
        List<ChurnReplay.Result> results = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < o.policies.size(); i++) {
            String p = o.policies.get(i);
            results.add(ChurnReplay.run(p, Policies.forRun(p, o.firstSeed, pods), nodes, pods, fragTypical, o.firstSeed, o.durationScale));
            progress(out, i + 1, o.policies.size(), t0);
        }
        out.println();
        long start = Long.MAX_VALUE, end = Long.MIN_VALUE;
        for (TracePod p : pods) {
            start = Math.min(start, p.creationTime());
            end = Math.max(end, p.creationTime());
        }
        out.println("alloc ratio (%) over time (hours since the first arrival) / failed pods so far");
        StringBuilder h = new StringBuilder(String.format(Locale.ROOT, "%-14s", "policy"));
        for (int k = 1; k <= 10; k++) h.append(String.format(Locale.ROOT, "%13s", String.format(Locale.ROOT, "t=%.0fh", (start + (end - start) * k / 10.0 - start) / 3600)));
        out.println(h);
        for (ChurnReplay.Result r : results) {
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-14s", r.policy()));
            int j = 0;
            for (int k = 1; k <= 10; k++) {
                double t = start + (end - start) * k / 10.0;
                while (j + 1 < r.samples().size() && r.samples().get(j + 1).time() <= t) j++;
                ChurnReplay.Sample s = r.samples().get(j);
                row.append(String.format(Locale.ROOT, "%13s", String.format(Locale.ROOT, "%.1f/%d", s.allocPct(), s.failed())));
            }
            out.println(row);
            StringBuilder csv = new StringBuilder("time,running,alloc_pct,frag_pct,failed\n");
            for (ChurnReplay.Sample s : r.samples()) {
                csv.append(String.format(Locale.ROOT, "%d,%d,%.4f,%.4f,%d%n", s.time(), s.running(), s.allocPct(), s.fragPct(), s.failed()));
            }
            Files.writeString(o.out.resolve("replay-" + r.policy() + ".csv"), csv.toString(), StandardCharsets.UTF_8);
        }
        for (ChurnReplay.Result r : results) {
            out.printf(Locale.ROOT, "RESULT simulate-replay trace=%s policy=%s mean_alloc_pct=%.2f failed=%d failed_sharing=%d failed_whole=%d failed_multi_gpu=%d%n",
                    trace, r.policy(), r.meanAllocPct(), r.failedTotal(), r.failed().get(TracePod.Kind.SHARING),
                    r.failed().get(TracePod.Kind.WHOLE), r.failed().get(TracePod.Kind.MULTI_GPU));
        }
        return 0;
    }

    /** Parsed flags. */
    static final class Options {
        static final String USAGE = "usage: simulate --nodes <csv> --pods <csv> --policies " + String.join(",", Policies.ALL)
                + " --seeds 10 --load 130 --out <dir> [--first-seed 42] [--threads N] [--coverage 0.95] [--replay [--duration-scale 1]]"
                + "\n  policy gpufleet is the scheduler's default profile; every policy scores every node, as the protocol asks";
        Path nodes, pods, out = Path.of("simulate-out");
        List<String> policies = Policies.ALL;
        int seeds = 10, threads = Runtime.getRuntime().availableProcessors();
        long firstSeed = 42;
        double load = 130, coverage = 0.95, durationScale = 1;
        boolean replay;

        /** Parses; {@code null} means help was asked. */
        static Options parse(String[] args, Path cwd) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--help") || a.equals("-h")) return null;
                if (a.equals("--replay")) {
                    o.replay = true;
                    continue;
                }
                if (!a.startsWith("--")) throw new IllegalArgumentException("unexpected argument '" + a + "'");
                if (i + 1 >= args.length) throw new IllegalArgumentException(a + " needs a value");
                String v = args[++i];
                switch (a) {
                    case "--nodes" -> o.nodes = Path.of(v);
                    case "--pods" -> o.pods = Path.of(v);
                    case "--out" -> o.out = Path.of(v);
                    case "--policies" -> o.policies = List.of(v.split(","));
                    case "--seeds" -> o.seeds = integer(a, v, 1, 1000);
                    case "--threads" -> o.threads = integer(a, v, 1, 1024);
                    case "--first-seed" -> o.firstSeed = integer(a, v, 0, Integer.MAX_VALUE);
                    case "--load" -> o.load = decimal(a, v, 1, 1000);
                    case "--coverage" -> o.coverage = decimal(a, v, 0.01, 1);
                    case "--duration-scale" -> o.durationScale = decimal(a, v, 0.001, 1e6);
                    default -> throw new IllegalArgumentException("unknown flag " + a);
                }
            }
            for (String p : o.policies) {
                if (!Policies.ALL.contains(p)) throw new IllegalArgumentException("--policies: unknown policy '" + p + "' (known: " + String.join(",", Policies.ALL) + ")");
            }
            if (o.nodes == null || o.pods == null) {
                Path dir = findTraces(cwd);
                if (dir == null) throw new IllegalArgumentException("--nodes and --pods are needed (no " + TRACE_DIR + " above " + cwd + ")");
                if (o.nodes == null) o.nodes = dir.resolve("openb_node_list_gpu_node.csv");
                if (o.pods == null) o.pods = dir.resolve("openb_pod_list_default.csv");
            }
            for (Path p : List.of(o.nodes, o.pods)) if (!Files.isRegularFile(p)) throw new IllegalArgumentException("no such file: " + p);
            return o;
        }

        /** The trace folder under the nearest ancestor of {@code cwd} holding {@code shared/traces/}. */
        static Path findTraces(Path cwd) {
            for (Path d = cwd; d != null; d = d.getParent()) {
                Path t = d.resolve(TRACE_DIR);
                if (Files.isDirectory(t)) return t;
            }
            return null;
        }

        private static int integer(String flag, String v, int min, int max) {
            try {
                int x = Integer.parseInt(v);
                if (x < min || x > max) throw new IllegalArgumentException(flag + " must be " + min + ".." + max + ", was " + x);
                return x;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(flag + ": '" + v + "' is not an integer");
            }
        }

        private static double decimal(String flag, String v, double min, double max) {
            try {
                double x = Double.parseDouble(v);
                if (!(x >= min && x <= max)) throw new IllegalArgumentException(flag + " must be " + min + ".." + max + ", was " + v);
                return x;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(flag + ": '" + v + "' is not a number");
            }
        }
    }
}
