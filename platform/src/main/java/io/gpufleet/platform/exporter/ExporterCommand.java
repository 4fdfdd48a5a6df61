package io.gpufleet.platform.exporter;

import io.gpufleet.exporter.config.ConfigException;
import io.gpufleet.exporter.config.ExporterConfig;
import io.gpufleet.platform.ConfigFlags;
import java.io.PrintStream;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fleet exporter}: the node-exporter. Its options are generated from {@link ExporterConfig#OPTIONS},
 * so flags, environment variables, the properties file and the README table stay one list.
 */
@Command(name = "exporter", mixinStandardHelpOptions = true,
        description = {"Run the node-exporter: every GPU's health, memory and compute to Prometheus, OTLP and Kafka.",
                "Reads NVML by default; --simulate <gpus> serves a simulated node instead.",
                "Every option can also be set as GPUFLEET_EXPORTER_<NAME> or as name=value in the --config file."},
        sortOptions = false)
public final class ExporterCommand implements Callable<Integer> {

    /**
     * JVM options the {@code fleet} launcher gives the exporter (kept equal to the script's
     * {@code exporter_opts}; a test checks). The exporter runs on every GPU node, so it ships small.
     */
    public static final String DEFAULT_JVM_OPTS =
            "-XX:+UseSerialGC -Xms8m -Xmx64m -Xss512k -XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=24m "
                    + "-XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30";

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "<file>", description = "Properties file with option=value lines.")
    String configFile;

    @Option(names = "--duration", paramLabel = "<seconds>",
            description = "Stop after this many seconds (default: run until Ctrl-C).")
    long durationSeconds;

    /** Adds one {@code --name} option per entry of the exporter's configuration table. */
    public static void addConfigOptions(CommandSpec spec) {
        ConfigFlags.add(spec, ExporterConfig.OPTIONS);
    }

    /** The config options given on the command line, name → raw value. */
    static Map<String, String> givenFlags(CommandSpec spec, String configFile) {
        Map<String, String> flags = new HashMap<>(ConfigFlags.given(spec, ExporterConfig.OPTIONS));
        if (configFile != null) flags.put(ExporterConfig.CONFIG_FILE_OPTION, configFile);
        return flags;
    }

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        ExporterConfig config;
        try {
            config = ExporterConfig.resolve(givenFlags(spec, configFile), System.getenv());
        } catch (ConfigException e) {
            System.err.println("fleet exporter: --" + e.getMessage());
            return 2;
        }
        ExporterRuntime runtime;
        try {
            runtime = ExporterRuntime.start(config, Clock.systemUTC());
        } catch (ConfigException e) {
            System.err.println("fleet exporter: --" + e.getMessage());
            return 2;
        } catch (ExporterRuntime.StartException e) {
            System.err.println("fleet exporter: " + e.getMessage());
            return 1;
        }
        try (runtime) {
            runtime.printUrls(out);
            awaitShutdown(durationSeconds);
        }
        return 0;
    }

    /** Blocks until Ctrl-C (SIGINT/SIGTERM) or the duration elapses. */
    public static void awaitShutdown(long durationSeconds) throws InterruptedException {
        CountDownLatch stop = new CountDownLatch(1);
        Thread hook = new Thread(stop::countDown, "gpufleet-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        if (durationSeconds > 0) stop.await(durationSeconds, TimeUnit.SECONDS);
        else stop.await();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // JVM is already exiting through the hook: nothing to remove.
        }
    }

    /** For tests: runs the command in-process and returns its exit code. */
    public static int run(String... args) {
        return io.gpufleet.platform.Fleet.commandLine().execute(prepend("exporter", args));
    }

    private static String[] prepend(String first, String[] rest) {
        String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }

}
