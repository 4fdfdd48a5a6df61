package io.gpufleet.platform.analytics;

import io.gpufleet.analytics.AnalyticsRuntime;
import io.gpufleet.analytics.job.AnalyticsConfig;
import io.gpufleet.exporter.config.ConfigException;
import io.gpufleet.exporter.sim.SimulatedFleet;
import io.gpufleet.exporter.sim.SimulationConfig;
import io.gpufleet.platform.ConfigFlags;
import io.gpufleet.platform.exporter.ExporterCommand;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fleet analytics}: the stream-analytics job in an embedded Flink MiniCluster, reading the simulated fleet
 * (default) or Kafka topic gpufleet.metrics. Options come from {@link AnalyticsConfig#OPTIONS}.
 */
@Command(name = "analytics", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the stream-analytics job (device faults, quota usage, load signals) in an embedded Flink "
                + "MiniCluster.", "Every option can also be set as GPUFLEET_ANALYTICS_<NAME>. On a Flink cluster, submit "
                + "the same job with flink run (see stream-analytics/README.md)."})
public final class AnalyticsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--simulate-nodes", paramLabel = "<n>",
            description = "With --source simulated: nodes of the simulated fleet (default: 16).")
    int nodes = 16;

    @Option(names = "--seed", paramLabel = "<n>", description = "Seed of the simulated fleet (default: 42).")
    long seed = 42;

    @Option(names = "--duration", paramLabel = "<seconds>", description = "Stop after this many seconds (default: until Ctrl-C).")
    long durationSeconds;

    public static void addConfigOptions(CommandSpec spec) {
        ConfigFlags.add(spec, AnalyticsConfig.OPTIONS);
    }

    @Override
    public Integer call() throws Exception {
        AnalyticsConfig config;
        try {
            config = AnalyticsConfig.fromEnvironment(System.getenv(), ConfigFlags.given(spec, AnalyticsConfig.OPTIONS));
        } catch (ConfigException e) {
            System.err.println("fleet analytics: --" + e.getMessage());
            return 2;
        }
        SimulatedFleet fleet = config.source() == AnalyticsConfig.Source.SIMULATED
                ? SimulatedFleet.create(SimulationConfig.defaults().withSeed(seed).withNodes(nodes)
                        .withRandomFaultsPerNodeHour(1), Clock.systemUTC())
                : null;
        try (AnalyticsRuntime runtime = AnalyticsRuntime.start(config, fleet)) {
            System.out.println("gpufleet analytics: job " + runtime.job().getJobID() + " reading "
                    + (fleet != null ? "a simulated fleet of " + fleet.gpuCount() + " GPUs" : "Kafka " + config.metricsTopic())
                    + (runtime.metricsPort() >= 0 ? "; metrics on http://localhost:" + runtime.metricsPort() + "/metrics" : ""));
            ExporterCommand.awaitShutdown(durationSeconds);
        } finally {
            if (fleet != null) fleet.close();
        }
        return 0;
    }
}
