package io.gpufleet.platform.scheduler;

import io.gpufleet.scheduler.simulator.SimulateCommandCore;
import io.gpufleet.platform.PassThroughCommand;
import java.io.PrintStream;
import picocli.CommandLine.Command;

/**
 * {@code fleet simulate}: replays a cluster trace (the Alibaba GPU trace's CSV shape) against placement policies
 * (shared/benchmarks/SCHEDULER.md, part 1). Options belong to the simulator and pass through unchanged.
 */
@Command(name = "simulate", description = {"Replay a GPU cluster trace against placement policies (the FGD experiment).",
        "e.g. --nodes <csv> --pods <csv> --policies random,dotprod,gpupacking,gpuclustering,bestfit,fgd,gpufleet "
                + "--seeds 10 --load 130 --out <dir>; --help lists every option."})
public final class SimulateCommand extends PassThroughCommand {

    @Override
    protected int run(String[] args, PrintStream out) {
        return SimulateCommandCore.run(args, out);
    }
}
