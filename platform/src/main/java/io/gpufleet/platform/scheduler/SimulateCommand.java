package io.gpufleet.platform.scheduler;

import io.gpufleet.scheduler.simulator.SimulateCommandCore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code fleet simulate}: replays a cluster trace (the Alibaba GPU trace's CSV shape) against placement policies
 * (shared/benchmarks/SCHEDULER.md, part 1). Options belong to the simulator and pass through unchanged.
 */
@Command(name = "simulate", description = {"Replay a GPU cluster trace against placement policies (the FGD experiment).",
        "e.g. --nodes <csv> --pods <csv> --policies random,dotprod,gpupacking,gpuclustering,bestfit,fgd,gpufleet "
                + "--seeds 10 --load 130 --out <dir>; --help lists every option."})
public final class SimulateCommand implements Callable<Integer> {

    @Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        return SimulateCommandCore.run(args.toArray(new String[0]), System.out);
    }
}
