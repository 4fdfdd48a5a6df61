package io.gpufleet.platform.bench;

import io.gpufleet.autoscaler.bench.AutoscalerBench;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code fleet bench autoscaler}: inference and training trace replays (shared/benchmarks/AUTOSCALER.md). Its
 * options ({@code --trace <file>}, repeatable; {@code --seeds 42..46}; {@code --help}) belong to the autoscaler's
 * benchmark and pass through unchanged.
 */
@Command(name = "autoscaler", description = {"Trace replays: GPU-hours against SLO violations for static-peak, hpa and "
        + "gpufleet; rigid against elastic training.", "Options: --trace <file> (repeatable), --seeds <42..46|n>, --help."})
public final class AutoscalerBenchCommand implements Callable<Integer> {

    @Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        return AutoscalerBench.run(args.toArray(new String[0]), System.out);
    }
}
