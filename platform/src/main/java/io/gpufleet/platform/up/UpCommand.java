package io.gpufleet.platform.up;

import io.gpufleet.exporter.NodeExporter;
import io.gpufleet.exporter.collect.GpuState;
import io.gpufleet.exporter.config.ConfigException;
import io.gpufleet.exporter.health.HealthStatus;
import io.gpufleet.platform.exporter.ExporterRuntime;
import io.gpufleet.platform.observe.FleetPrometheus;
import io.gpufleet.platform.observe.LocalPrometheus;
import java.io.PrintStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fleet up}: the whole platform in one JVM with nothing but a JDK ({@link FleetUp}): simulated fleet and
 * exporters, analytics job, scheduler with its API, synthetic jobs, injected faults and the autoscaler. It prints
 * the URLs, a summary line every few seconds and every GPU health change, until Ctrl-C or {@code --duration}.
 */
@Command(name = "up", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run gpufleet on a simulated fleet: exporters (one per node on consecutive ports from --port), "
                + "analytics, scheduler, synthetic jobs, faults and the autoscaler, in one process.")
public final class UpCommand implements Callable<Integer> {

    @Option(names = "--nodes", paramLabel = "<n>", description = "Simulated nodes (default: 16).")
    int nodes = 16;

    @Option(names = "--gpus-per-node", paramLabel = "<n>", description = "GPUs per node (default: 8).")
    int gpusPerNode = 8;

    @Option(names = "--port", paramLabel = "<port>", description = "First exporter port (default: 9400).")
    int port = 9400;

    @Option(names = "--bind-address", paramLabel = "<addr>", description = "Listen address (default: 0.0.0.0).")
    String bindAddress = "0.0.0.0";

    @Option(names = "--seed", paramLabel = "<n>", description = "Seed of the simulated fleet and the synthetic jobs (default: 42).")
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
            description = "Port of the analytics job's /metrics (default: 9250; 0: any free port).")
    int analyticsPort = io.gpufleet.contracts.Ports.ANALYTICS_METRICS;

    @Option(names = "--no-scheduler", negatable = false,
            description = "Do not run the scheduler (nor the synthetic jobs and the autoscaler, which go through it).")
    boolean noScheduler;

    @Option(names = "--scheduler-port", paramLabel = "<port>",
            description = "Port of the scheduler's REST API and /metrics (default: 8888; 0: any free port).")
    int schedulerPort = io.gpufleet.contracts.Ports.SCHEDULER_API;

    @Option(names = "--no-jobs", negatable = false, description = "Do not submit synthetic jobs.")
    boolean noJobs;

    @Option(names = "--job-rate", paramLabel = "<per minute>",
            description = "Synthetic jobs per minute (default: sized to keep about 60% of the GPUs allocated).")
    double jobRate;

    @Option(names = "--job-run-time", paramLabel = "<min>..<max>",
            description = "Run time of a synthetic job once placed, in seconds (default: 20..120).")
    String jobRunTime = "20..120";

    @Option(names = "--no-autoscaler", negatable = false, description = "Do not run the autoscaler.")
    boolean noAutoscaler;

    @Option(names = "--autoscaler-port", paramLabel = "<port>",
            description = "Port of the autoscaler's /metrics (default: 8889; 0: any free port).")
    int autoscalerPort = io.gpufleet.contracts.Ports.AUTOSCALER_METRICS;

    @Option(names = "--inference-day", paramLabel = "<seconds>",
            description = "Length of the simulated day the autoscaled inference load follows (default: 600).")
    long inferenceDay = 600;

    @Option(names = "--prometheus",
            description = "Also run a local Prometheus (if installed) scraping every component, with the rules in alerts/.")
    boolean prometheus;

    @Option(names = "--prometheus-port", paramLabel = "<port>",
            description = "Port of that Prometheus on 127.0.0.1 (default: 9090 when free, else any free port).")
    int prometheusPort;

    /** Seconds between two summary lines. */
    static final int SUMMARY_SECONDS = 5;

    private final PrintStream out;

    public UpCommand() {
        this(System.out);
    }

    /** Prints to {@code out} instead of standard output. */
    public UpCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() throws Exception {
        if (prometheusPort < 0 || prometheusPort > 65535) {
            System.err.println("fleet up: --prometheus-port: must be within 0..65535, was " + prometheusPort);
            return 2;
        }
        FleetUp.Settings settings;
        try {
            Duration[] run = runTimes(jobRunTime);
            settings = new FleetUp.Settings(exporterFlags(), faultRate, !noAnalytics, analyticsPort, !noScheduler,
                    schedulerPort, !noJobs, jobRate, run[0], run[1], !noAutoscaler, autoscalerPort,
                    Duration.ofSeconds(inferenceDay), seed);
        } catch (IllegalArgumentException e) {
            System.err.println("fleet up: " + e.getMessage());
            return 2;
        }
        quietLibraries();
        FleetUp up;
        try {
            up = FleetUp.start(settings);
        } catch (ConfigException e) {
            System.err.println("fleet up: --" + e.getMessage());
            return 2;
        } catch (ExporterRuntime.StartException e) {
            System.err.println("fleet up: " + e.getMessage());
            return 1;
        }
        try (up) {
            ExporterRuntime runtime = up.exporters();
            out.printf(Locale.ROOT, "gpufleet up: %d simulated nodes x %d GPUs (seed %d)%n", nodes, gpusPerNode, seed);
            up.printUrls(out);
            out.println("  quota groups   " + quotaText(up.gpuCount()));
            out.println("  inject a fault curl -XPOST " + runtime.exporters().get(0).url()
                    + "/sim/faults -d '{\"node\":\"sim-node-00\",\"gpu\":0,\"type\":\"xid\",\"xid\":79}'");
            Optional<LocalPrometheus> prom = prometheus
                    ? FleetPrometheus.start(runtime.exporters(), up.scrapeJobs(FleetPrometheus.scrapeHost(bindAddress)),
                            bindAddress, prometheusPort, out)
                    : Optional.empty();
            try {
                out.println("Ctrl-C to stop.");
                watch(up);
                out.println(FleetUp.summary(up.status(), elapsed()));
                String quota = QuotaReport.line(QuotaReport.allocated());
                if (!quota.isEmpty()) out.println("quota usage today: " + quota);
                out.println(fleetLine(runtime));
            } finally {
                prom.ifPresent(LocalPrometheus::close);
            }
        }
        return 0;
    }

    private Map<String, String> exporterFlags() {
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
        return flags;
    }

    /** {@code 20..120} as two durations. */
    static Duration[] runTimes(String spec) {
        String[] p = spec.split("\\.\\.", -1);
        try {
            long min = Long.parseLong(p[0].trim()), max = p.length == 2 ? Long.parseLong(p[1].trim()) : min;
            if (p.length > 2 || min < 1 || max < min) throw new NumberFormatException();
            return new Duration[] {Duration.ofSeconds(min), Duration.ofSeconds(max)};
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--job-run-time: expected <min>..<max> seconds with 1 <= min <= max, was '" + spec + "'");
        }
    }

    private static String quotaText(int gpus) {
        StringBuilder b = new StringBuilder();
        for (var e : ClusterModel.quotas(ClusterModel.DEFAULT_QUOTAS, gpus)) {
            if (b.length() > 0) b.append(", ");
            long max = e.spec().max().gpuMilli();
            b.append(e.spec().name()).append(e.spec().parent() == null ? "" : " (in " + e.spec().parent() + ")")
                    .append(" min ").append(e.spec().min().gpuMilli() / 1000)
                    .append(" max ").append(max == Long.MAX_VALUE ? "-" : Long.toString(max / 1000));
        }
        return b.append(" GPUs").toString();
    }

    /**
     * The scheduler logs every job submission and deletion and the autoscaler every pass at INFO; the summary line
     * counts them instead (the actuator's "scaled ... to N" lines stay). {@code -Dorg.slf4j.simpleLogger.log...}
     * brings them back.
     */
    private static void quietLibraries() {
        for (String logger : List.of("io.gpufleet.scheduler.api.SchedulerService", "io.gpufleet.autoscaler.controller.AutoscalerController")) {
            String key = "org.slf4j.simpleLogger.log." + logger;
            if (System.getProperty(key) == null) System.setProperty(key, "warn");
        }
    }

    private long startNanos;

    private double elapsed() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /** Prints a summary line every few seconds and every GPU health change, until the duration elapses or Ctrl-C. */
    private void watch(FleetUp up) throws InterruptedException {
        CountDownLatch stop = new CountDownLatch(1);
        Thread hook = new Thread(stop::countDown, "gpufleet-up-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        startNanos = System.nanoTime();
        long deadline = durationSeconds > 0 ? startNanos + TimeUnit.SECONDS.toNanos(durationSeconds) : Long.MAX_VALUE;
        Map<String, HealthStatus> last = new HashMap<>();
        long nextSummary = startNanos + TimeUnit.SECONDS.toNanos(SUMMARY_SECONDS);
        long nextQuota = startNanos + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline && !stop.await(500, TimeUnit.MILLISECONDS)) {
            for (NodeExporter e : up.exporters().exporters()) {
                for (GpuState g : e.collector().snapshot().gpus()) {
                    String key = g.reading().gpu().node() + "/" + g.reading().gpu().index();
                    HealthStatus now = g.health().status();
                    HealthStatus before = last.put(key, now);
                    if (!quiet && before != null && before != now) {
                        out.printf(Locale.ROOT, "[%5.0fs] %s gpu %d (%s): %s -> %s %s%n", elapsed(),
                                g.reading().gpu().node(), g.reading().gpu().index(), g.reading().gpu().model(),
                                before.label(), now.label(), String.join(",", g.health().reasons()));
                    }
                }
            }
            if (!quiet && System.nanoTime() > nextSummary) {
                out.println(FleetUp.summary(up.status(), elapsed()));
                nextSummary += TimeUnit.SECONDS.toNanos(SUMMARY_SECONDS);
            }
            if (!quiet && System.nanoTime() > nextQuota) {
                String quota = QuotaReport.line(QuotaReport.allocated());
                if (!quota.isEmpty()) out.printf(Locale.ROOT, "[%5.0fs] quota usage today: %s%n", elapsed(), quota);
                nextQuota += TimeUnit.SECONDS.toNanos(60);
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // exiting through the hook already
        }
    }

    /** The fleet's health: GPUs by health status and mean utilization. */
    static String fleetLine(ExporterRuntime runtime) {
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
