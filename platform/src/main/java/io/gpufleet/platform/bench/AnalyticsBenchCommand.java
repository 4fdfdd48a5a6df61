package io.gpufleet.platform.bench;

import io.gpufleet.analytics.bench.AnalyticsBench;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code fleet bench analytics}: samples per second through the job graph and from OTLP bytes, fault-to-alert
 * latency and accounting error (shared/benchmarks/ANALYTICS.md). Options belong to the analytics benchmark and pass
 * through unchanged ({@code --help} lists them).
 */
@Command(name = "analytics", description = "Analytics throughput (decoded and from OTLP bytes), fault-to-alert latency, "
        + "accounting error. --help lists its options.")
public final class AnalyticsBenchCommand implements Callable<Integer> {

    @Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        return AnalyticsBench.run(args.toArray(new String[0]), System.out);
    }
}
