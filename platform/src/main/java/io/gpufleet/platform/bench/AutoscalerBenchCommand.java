package io.gpufleet.platform.bench;

import io.gpufleet.autoscaler.bench.AutoscalerBench;
import io.gpufleet.platform.PassThroughCommand;
import java.io.PrintStream;
import picocli.CommandLine.Command;

/**
 * {@code fleet bench autoscaler}: inference and training trace replays (shared/benchmarks/AUTOSCALER.md). Its
 * options ({@code --trace <file>}, repeatable; {@code --seeds 42..46}; {@code --help}) belong to the autoscaler's
 * benchmark and pass through unchanged.
 */
@Command(name = "autoscaler", description = {"Trace replays: GPU-hours against SLO violations for static-peak, hpa and "
        + "gpufleet; rigid against elastic training.", "Options: --trace <file> (repeatable), --seeds <42..46|n>, --help."})
public final class AutoscalerBenchCommand extends PassThroughCommand {

    @Override
    protected int run(String[] args, PrintStream out) {
        return AutoscalerBench.run(args, out);
    }
}
