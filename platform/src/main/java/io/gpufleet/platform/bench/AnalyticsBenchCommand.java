package io.gpufleet.platform.bench;

import io.gpufleet.analytics.bench.AnalyticsBench;
import io.gpufleet.platform.PassThroughCommand;
import java.io.PrintStream;
import picocli.CommandLine.Command;

/**
 * {@code fleet bench analytics}: samples per second through the job graph and from OTLP bytes, fault-to-alert
 * latency and accounting error (shared/benchmarks/ANALYTICS.md). Options belong to the analytics benchmark and pass
 * through unchanged ({@code --help} lists them).
 */
@Command(name = "analytics", description = "Analytics throughput (decoded and from OTLP bytes), fault-to-alert latency, "
        + "accounting error. --help lists its options.")
public final class AnalyticsBenchCommand extends PassThroughCommand {

    @Override
    protected int run(String[] args, PrintStream out) {
        return AnalyticsBench.run(args, out);
    }
}
