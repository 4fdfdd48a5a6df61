package io.gpufleet.platform.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code fleet bench ...}: the project's benchmarks; each ends with one {@code RESULT} line per measurement. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks. Each prints a table for people and ends with machine-readable RESULT lines.",
        subcommands = {ExporterBench.class, NvmlBench.class, SchedulerBenchCommand.class, AutoscalerBenchCommand.class,
                AnalyticsBenchCommand.class})
public final class BenchCommand implements Runnable {
    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }
}
