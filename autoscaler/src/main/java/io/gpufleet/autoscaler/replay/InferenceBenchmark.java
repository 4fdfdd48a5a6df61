package io.gpufleet.autoscaler.replay;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Replays one trace against several policies over several seeds, in parallel (one task per seed and
 * policy; each seed's arrivals are drawn once and shared, so policies see identical requests).
 */
public final class InferenceBenchmark {
    /** Seeds of the reference figures. */
    public static final List<Long> DEFAULT_SEEDS = List.of(42L, 43L, 44L, 45L, 46L);

    private InferenceBenchmark() {
    }

    /** static-peak's replica count: ceil(max λ / C). */
    public static int staticPeakReplicas(double[] lambda) {
        double max = 0;
        for (double l : lambda) max = Math.max(max, l);
        return (int) Math.ceil(max / InferenceReplay.CAPACITY);
    }

    /** The start state of dynamic policies: ceil(λ(0) / 7) ready replicas. */
    public static int initialReplicas(double[] lambda) {
        return (int) Math.ceil(lambda[0] / HpaReplayPolicy.TARGET_PER_REPLICA);
    }

    /** The three policies of the benchmark: static-peak, hpa and gpufleet. */
    public static Map<String, Supplier<InferencePolicy>> standardPolicies(double[] lambda) {
        int peak = staticPeakReplicas(lambda);
        Map<String, Supplier<InferencePolicy>> m = new LinkedHashMap<>();
        m.put("static-peak", () -> new StaticPolicy(peak));
        m.put("hpa", HpaReplayPolicy::new);
        m.put("gpufleet", GpufleetPolicy::new);
        return m;
    }

    /** Mean result per policy over the seeds, in the order of {@code policies}. */
    public static List<ReplayResult> run(RateTrace trace, List<Long> seeds, Map<String, Supplier<InferencePolicy>> policies,
                                         Consumer<String> progress) {
        double[] lambda = trace.perSecond();
        int peak = staticPeakReplicas(lambda);
        int initial = initialReplicas(lambda);
        int threads = Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), seeds.size() * policies.size()));
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread th = new Thread(r, "replay");
            th.setDaemon(true);
            return th;
        });
        try {
            Map<Long, Future<int[]>> arrivals = new LinkedHashMap<>();
            for (long seed : seeds) arrivals.put(seed, pool.submit(() -> PoissonArrivals.generate(lambda, seed)));
            Map<String, List<Future<ReplayResult>>> runs = new LinkedHashMap<>();
            for (Map.Entry<String, Supplier<InferencePolicy>> e : policies.entrySet()) {
                List<Future<ReplayResult>> fs = new ArrayList<>();
                for (long seed : seeds) {
                    fs.add(pool.submit(() -> {
                        int[] a = arrivals.get(seed).get();
                        long t0 = System.nanoTime();
                        int start = e.getKey().equals("static-peak") ? peak : initial;
                        ReplayResult r = InferenceReplay.run(e.getKey(), a, e.getValue().get(), start);
                        progress.accept(String.format(java.util.Locale.ROOT, "  %s %s seed %d: %.0f GPU-h, %.4f %% violations (%.1f s)",
                                trace.name(), e.getKey(), seed, r.gpuHours(), r.violationPct(), (System.nanoTime() - t0) / 1e9));
                        return r;
                    }));
                }
                runs.put(e.getKey(), fs);
            }
            List<ReplayResult> out = new ArrayList<>();
            for (List<Future<ReplayResult>> fs : runs.values()) {
                List<ReplayResult> rs = new ArrayList<>();
                for (Future<ReplayResult> f : fs) rs.add(f.get());
                out.add(ReplayResult.mean(rs));
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("replay interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("replay failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }
}
