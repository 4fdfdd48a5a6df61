package io.gpufleet.platform;

import io.gpufleet.platform.analytics.AnalyticsCommand;
import io.gpufleet.platform.autoscaler.AutoscalerCommand;
import io.gpufleet.platform.bench.BenchCommand;
import io.gpufleet.platform.exporter.ExporterCommand;
import io.gpufleet.platform.scheduler.SchedulerCommands;
import io.gpufleet.platform.scheduler.SimulateCommand;
import io.gpufleet.platform.up.UpCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code fleet} command: one entry point for every gpufleet component. */
@Command(name = "fleet", mixinStandardHelpOptions = true, version = "gpufleet 0.1.0",
        description = "gpufleet: observe, analyse and act on GPU clusters.",
        subcommands = {UpCommand.class, ExporterCommand.class, AnalyticsCommand.class, SchedulerCommands.Server.class, SchedulerCommands.Jobs.class,
                SchedulerCommands.Top.class, AutoscalerCommand.class, SimulateCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class Fleet implements Runnable {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command tree, with options generated from the components' configuration tables. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Fleet());
        ExporterCommand.addConfigOptions(cl.getSubcommands().get("exporter").getCommandSpec());
        AnalyticsCommand.addConfigOptions(cl.getSubcommands().get("analytics").getCommandSpec());
        return cl;
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }
}
