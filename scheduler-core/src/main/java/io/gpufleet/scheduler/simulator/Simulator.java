package io.gpufleet.scheduler.simulator;

import io.gpufleet.scheduler.plugins.fgd.TypicalPod;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * Runs the experiment: every policy × seed is an independent run (own cluster, own scheduler), run in parallel on
 * {@code threads} workers. Seeds are {@code firstSeed .. firstSeed + seeds − 1} (the protocol's 42..51).
 */
public final class Simulator {
    /** The experiment's parameters. */
    public record Config(List<String> policies, int seeds, long firstSeed, double loadPct, int threads, double coverage) {
        public Config {
            policies = List.copyOf(policies);
            if (policies.isEmpty()) throw new IllegalArgumentException("policies: at least one");
            for (String p : policies) if (!Policies.ALL.contains(p)) throw new IllegalArgumentException("policies: unknown policy '" + p + "' (known: " + String.join(",", Policies.ALL) + ")");
            if (seeds < 1) throw new IllegalArgumentException("seeds must be >= 1, was " + seeds);
            if (!(loadPct > 0 && loadPct <= 1000)) throw new IllegalArgumentException("load must be in (0, 1000] percent, was " + loadPct);
            if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, was " + threads);
        }
    }

    private Simulator() {}

    /**
     * @param progress called with the number of finished runs after each run (from worker threads)
     * @return policy → its runs in seed order
     */
    public static Map<String, List<RunResult>> run(List<TraceNode> nodes, List<TracePod> pods, Config c, IntConsumer progress)
            throws InterruptedException {
        long capacity = TraceCluster.gpuMilli(nodes);
        if (capacity == 0) throw new IllegalArgumentException("the node list has no GPUs");
        List<TypicalPod> fragTypical = Policies.count(pods).typical(c.coverage());
        ExecutorService pool = Executors.newFixedThreadPool(c.threads(), r -> {
            Thread t = new Thread(r, "simulate");
            t.setDaemon(true);
            return t;
        });
        AtomicInteger done = new AtomicInteger();
        Map<String, List<Future<RunResult>>> futures = new LinkedHashMap<>();
        try {
            for (String policy : c.policies()) {
                List<Future<RunResult>> fs = new ArrayList<>();
                for (int i = 0; i < c.seeds(); i++) {
                    long seed = c.firstSeed() + i;
                    fs.add(pool.submit(() -> {
                        List<TracePod> arranged = Workload.arrange(pods, seed, c.loadPct(), capacity);
                        RunResult r = SimulationRun.run(policy, Policies.forRun(policy, seed, pods), nodes, arranged, fragTypical, seed);
                        progress.accept(done.incrementAndGet());
                        return r;
                    }));
                }
                futures.put(policy, fs);
            }
            Map<String, List<RunResult>> out = new LinkedHashMap<>();
            for (Map.Entry<String, List<Future<RunResult>>> e : futures.entrySet()) {
                List<RunResult> rs = new ArrayList<>();
                for (Future<RunResult> f : e.getValue()) {
                    try {
                        rs.add(f.get());
                    } catch (ExecutionException ex) {
                        Throwable cause = ex.getCause();
                        if (cause instanceof RuntimeException re) throw re;
                        throw new IllegalStateException(cause);
                    }
                }
                out.put(e.getKey(), rs);
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }
}
