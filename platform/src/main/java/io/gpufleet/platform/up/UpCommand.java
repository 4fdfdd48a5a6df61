package io.gpufleet.platform.up;

import io.gpufleet.analytics.AnalyticsRuntime;
import io.gpufleet.analytics.job.AnalyticsConfig;
import io.gpufleet.exporter.NodeExporter;
import io.gpufleet.exporter.collect.GpuState;
import io.gpufleet.exporter.config.ConfigException;
import io.gpufleet.exporter.config.ExporterConfig;
import io.gpufleet.exporter.health.HealthStatus;
import io.gpufleet.platform.exporter.ExporterRuntime;
import io.gpufleet.platform.observe.FleetPrometheus;
import io.gpufleet.platform.observe.LocalPrometheus;
import java.io.PrintStream;
import java.time.Clock;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fleet up}: gpufleet on its embedded default, with nothing but a JDK. Today: a simulated fleet with
 * one node-exporter per node on consecutive ports (as a DaemonSet would run them), background load and
 * random faults; it prints the URLs and every GPU health change until Ctrl-C or {@code --duration}.
 */
@Command(name = "up", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run gpufleet on a simulated fleet: one exporter per node on consecutive ports from --port.")
public final class UpCommand implements Callable<Integer> {

    @Option(names = "--nodes", paramLabel = "<n>", description = "Simulated nodes (default: 16).")
    int nodes = 16;

    @Option(names = "--gpus-per-node", paramLabel = "<n>", description = "GPUs per node (default: 8).")
    int gpusPerNode = 8;

    @Option(names = "--port", paramLabel = "<port>", description = "First exporter port (default: 9400).")
    int port = 9400;

    @Option(names = "--bind-address", paramLabel = "<addr>", description = "Listen address (default: 0.0.0.0).")
    String bindAddress = "0.0.0.0";

    @Option(names = "--seed", paramLabel = "<n>", description = "Seed of the simulated fleet (default: 42).")
    long seed = 42;

    @Option(names = "--fault-rate", paramLabel = "<per node-hour>",
            description = "Random faults injected per node-hour, for the demo (default: 1; 0 turns them off).")
    double faultRate = 1.0;

    @Option(names = "--faults", paramLabel = "<spec>",
            description = "Scheduled faults, e.g. 30s:sim-node-03:2:xid=79 (comma separated).")
    String faults = "";

    @Option(names = "--kafka-bootstrap", paramLabel = "<host:port>", description = "Also publish to Kafka.")
    String kafkaBootstrap = "";

    @Option(names = "--interval", paramLabel = "<duration>", description = "Collection interval (default: 1s).")
    String interval = "1s";

    @Option(names = "--duration", paramLabel = "<seconds>", description = "Stop after this many seconds (default: until Ctrl-C).")
    long durationSeconds;

    @Option(names = "--quiet", description = "Print the URLs and the final summary only.")
    boolean quiet;

    @Option(names = "--no-analytics", negatable = false,
            description = "Do not run the stream-analytics job (it starts an embedded Flink MiniCluster, ~5 s).")
    boolean noAnalytics;

    @Option(names = "--analytics-port", paramLabel = "<port>",
            description = "Port of the analytics job's /metrics (default: 9250).")
    int analyticsPort = io.gpufleet.contracts.Ports.ANALYTICS_METRICS;

    @Option(names = "--prometheus",
            description = "Also run a local Prometheus (if installed) scraping the exporters, with the rules in alerts/.")
    boolean prometheus;

    @Option(names = "--prometheus-port", paramLabel = "<port>",
            description = "Port of that Prometheus on 127.0.0.1 (default: 9090 when free, else any free port).")
    int prometheusPort;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        if (prometheusPort < 0 || prometheusPort > 65535) {
            System.err.println("fleet up: --prometheus-port: must be within 0..65535, was " + prometheusPort);
            return 2;
        }
        Map<String, String> flags = new HashMap<>();
        flags.put("simulate", Integer.toString(gpusPerNode));
        flags.put("simulate-nodes", Integer.toString(nodes));
        flags.put("port", Integer.toString(port));
        flags.put("bind-address", bindAddress);
        flags.put("seed", Long.toString(seed));
        flags.put("simulate-faults", faults);
        flags.put("kafka-bootstrap", kafkaBootstrap);
        flags.put("interval", interval);
        flags.put("kubernetes", "off");
        ExporterConfig config;
        ExporterRuntime runtime;
        try {
            config = ExporterConfig.resolve(flags, Map.of());
            runtime = ExporterRuntime.start(config, Clock.systemUTC(), faultRate, true);
        } catch (ConfigException e) {
            System.err.println("fleet up: --" + e.getMessage());
            return 2;
        } catch (ExporterRuntime.StartException e) {
            System.err.println("fleet up: " + e.getMessage());
            return 1;
        }
        try (runtime) {
            out.printf(Locale.ROOT, "gpufleet up: %d simulated nodes x %d GPUs (seed %d), one exporter per node%n",
                    nodes, gpusPerNode, seed);
            runtime.printUrls(out);
            out.println("Prometheus scrape config: targets " + runtime.exporters().get(0).port() + ".."
                    + runtime.exporters().get(runtime.exporters().size() - 1).port()
                    + " on this host; inject a fault: curl -XPOST " + runtime.exporters().get(0).url()
                    + "/sim/faults -d '{\"node\":\"sim-node-00\",\"gpu\":0,\"type\":\"xid\",\"xid\":79}'");
            AnalyticsRuntime analytics = null;
            if (!noAnalytics) {
                try {
                    analytics = AnalyticsRuntime.start(AnalyticsConfig.from(Map.of("metrics-port",
                            Integer.toString(analyticsPort))), runtime.fleet().orElseThrow(),
                            runtime.exporters().stream().map(NodeExporter::collector).toList());
                    out.println("analytics: Flink job " + analytics.job().getJobID() + " on the simulated fleet; faults, "
                            + "quota usage and signals on http://localhost:" + analytics.metricsPort() + "/metrics");
                } catch (Exception e) {
                    // The exporters are the core of `up`: keep them running and say what is missing.
                    out.println("analytics: not started (" + e.getMessage() + "); run with --no-analytics to skip it");
                }
            }
            Optional<LocalPrometheus> prom = prometheus
                    ? FleetPrometheus.start(runtime.exporters(), bindAddress, prometheusPort, out) : Optional.empty();
            try {
                out.println("Ctrl-C to stop.");
                watch(runtime, out);
                out.println(summary(runtime));
            } finally {
                prom.ifPresent(LocalPrometheus::close);
                if (analytics != null) analytics.close();
            }
        }
        return 0;
    }

    /** Prints every GPU health change until the duration elapses or the process is interrupted. */
    private void watch(ExporterRuntime runtime, PrintStream out) throws InterruptedException {
        CountDownLatch stop = new CountDownLatch(1);
        Thread hook = new Thread(stop::countDown, "gpufleet-up-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        long start = System.nanoTime();
        long deadline = durationSeconds > 0 ? start + TimeUnit.SECONDS.toNanos(durationSeconds) : Long.MAX_VALUE;
        Map<String, HealthStatus> last = new HashMap<>();
        long nextSummary = start + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline && !stop.await(500, TimeUnit.MILLISECONDS)) {
            for (NodeExporter e : runtime.exporters()) {
                for (GpuState g : e.collector().snapshot().gpus()) {
                    String key = g.reading().gpu().node() + "/" + g.reading().gpu().index();
                    HealthStatus now = g.health().status();
                    HealthStatus before = last.put(key, now);
                    if (!quiet && before != null && before != now) {
                        out.printf(Locale.ROOT, "[%5.0fs] %s gpu %d (%s): %s -> %s %s%n",
                                (System.nanoTime() - start) / 1e9, g.reading().gpu().node(), g.reading().gpu().index(),
                                g.reading().gpu().model(), before.label(), now.label(), String.join(",", g.health().reasons()));
                    }
                }
            }
            if (!quiet && System.nanoTime() > nextSummary) {
                out.println(summary(runtime));
                nextSummary += TimeUnit.SECONDS.toNanos(30);
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // exiting through the hook already
        }
    }

    static String summary(ExporterRuntime runtime) {
        int[] by = new int[HealthStatus.values().length];
        int gpus = 0;
        double util = 0;
        for (NodeExporter e : runtime.exporters()) {
            for (GpuState g : e.collector().snapshot().gpus()) {
                by[g.health().status().ordinal()]++;
                gpus++;
                double u = g.reading().value(io.gpufleet.exporter.source.GpuField.GPU_UTILIZATION_RATIO);
                if (!Double.isNaN(u)) util += u;
            }
        }
        return String.format(Locale.ROOT, "fleet: %d GPUs, %d healthy, %d degraded, %d failed, mean utilization %.0f%%",
                gpus, by[0], by[1], by[2], gpus == 0 ? 0 : util / gpus * 100);
    }
}
