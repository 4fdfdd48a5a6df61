package io.gpufleet.platform.bench;

import io.gpufleet.scheduler.bench.SchedulerBench;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fleet bench scheduler}: decision throughput and latency of scheduler-core's default profile (or
 * {@code --profile}'s) on a synthetic
 * cluster (shared/benchmarks/SCHEDULER.md, part 2).
 */
@Command(name = "scheduler", mixinStandardHelpOptions = true,
        description = "Decisions per second and p50/p99 decision latency at 5000 nodes x 8 GPUs, 50 000 mixed requests.")
public final class SchedulerBenchCommand implements Callable<Integer> {

    @Option(names = "--nodes", paramLabel = "<n>", description = "Nodes of 8 GPUs (default: 5000).")
    int nodes = 5000;

    @Option(names = "--requests", paramLabel = "<n>", description = "Requests per pass (default: 50000).")
    int requests = 50_000;

    @Option(names = "--seed", paramLabel = "<n>", description = "Seed of cluster and requests (default: 42).")
    long seed = 42;

    @Option(names = "--repeats", paramLabel = "<n>", description = "Measured passes; medians are reported (default: 3).")
    int repeats = 3;

    @Option(names = "--target-use", paramLabel = "<pct>", description = "GPU use the request stream holds (default: 85).")
    int targetUse = 85;

    @Option(names = "--profile", paramLabel = "<file>", description = "YAML scheduling profile to measure (default: the built-in default).")
    java.nio.file.Path profile;

    @Override
    public Integer call() {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of(Integer.toString(nodes),
                Integer.toString(requests), Long.toString(seed), Integer.toString(repeats), Integer.toString(targetUse)));
        if (profile != null) args.add(profile.toString());
        SchedulerBench.main(args.toArray(String[]::new));
        return 0;
    }
}
