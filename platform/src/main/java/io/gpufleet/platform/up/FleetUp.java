package io.gpufleet.platform.up;

import io.gpufleet.analytics.AnalyticsRuntime;
import io.gpufleet.analytics.job.AnalyticsConfig;
import io.gpufleet.exporter.NodeExporter;
import io.gpufleet.exporter.collect.GpuState;
import io.gpufleet.exporter.config.ExporterConfig;
import io.gpufleet.exporter.health.HealthStatus;
import io.gpufleet.exporter.sim.SimulatedFleet;
import io.gpufleet.exporter.source.GpuField;
import io.gpufleet.platform.exporter.ExporterRuntime;
import io.gpufleet.platform.observe.LocalPrometheus;
import io.gpufleet.scheduler.api.SchedulerServer;
import io.gpufleet.scheduler.api.ServerConfig;
import io.gpufleet.scheduler.model.Node;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The whole platform in one JVM, as {@code fleet up} runs it: a simulated fleet with one exporter per node, the
 * analytics job on a Flink MiniCluster, the scheduler with its REST API over the same nodes and GPUs, a stream of
 * synthetic jobs whose placements run on the simulated GPUs, faults reaching the scheduler, and the autoscaler.
 * Closing it stops everything it started.
 */
public final class FleetUp implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(FleetUp.class);

    /**
     * What to run.
     *
     * @param exporterFlags  exporter options ({@code ExporterConfig} names) over the simulated-fleet defaults
     * @param faultRate      random faults per node-hour
     * @param analyticsPort  analytics /metrics port (0: any free one)
     * @param schedulerPort  scheduler API port (0: any free one)
     * @param jobsPerMinute  synthetic job arrivals per minute; 0 sizes the rate for about 60 % of the GPUs allocated
     * @param minRun         shortest synthetic job run time
     * @param maxRun         longest synthetic job run time
     * @param autoscalerPort autoscaler /metrics port (0: any free one)
     * @param inferenceDay   length of the simulated day the inference load follows
     */
    public record Settings(Map<String, String> exporterFlags, double faultRate, boolean analytics, int analyticsPort,
                           boolean scheduler, int schedulerPort, boolean jobs, double jobsPerMinute, Duration minRun,
                           Duration maxRun, boolean autoscaler, int autoscalerPort, Duration inferenceDay, long seed) {
        public Settings {
            exporterFlags = Map.copyOf(exporterFlags);
            if (jobsPerMinute < 0) throw new IllegalArgumentException("--job-rate: must be >= 0, was " + jobsPerMinute);
            requirePort("--analytics-port", analyticsPort);
            requirePort("--scheduler-port", schedulerPort);
            requirePort("--autoscaler-port", autoscalerPort);
        }

        private static void requirePort(String option, int p) {
            if (p < 0 || p > 65535) throw new IllegalArgumentException(option + ": must be within 0..65535, was " + p);
        }
    }

    /** Prometheus job names, as the Kubernetes Services (and so the ServiceMonitors' jobs) are named in deploy/. */
    public static final String ANALYTICS_JOB = "gpufleet-analytics", SCHEDULER_JOB = "gpufleet-scheduler",
            AUTOSCALER_JOB = "gpufleet-autoscaler";

    private final Settings settings;
    private final ExporterRuntime exporters;
    private final List<AutoCloseable> started = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private AnalyticsRuntime analytics;
    private SchedulerServer scheduler;
    private PlacedWork workloads;
    private JobStream jobs;
    private FaultBridge faults;
    private FleetAutoscaler autoscaler;
    private int totalGpus;

    private FleetUp(Settings settings, ExporterRuntime exporters) {
        this.settings = settings;
        this.exporters = exporters;
    }

    /**
     * Starts everything. The exporters must start (a taken port fails the start); a part that cannot start
     * (Flink, the scheduler's port) is left out with a note in {@link #notes()}.
     *
     * @throws io.gpufleet.exporter.config.ConfigException naming a bad exporter option
     */
    public static FleetUp start(Settings s) throws ExporterRuntime.StartException {
        ExporterConfig config = ExporterConfig.resolve(s.exporterFlags(), Map.of());
        // With jobs running, idle GPUs stay idle so allocation and use line up; without them a gentle background
        // load keeps the demo's numbers moving.
        boolean jobsOn = s.scheduler() && s.jobs();
        ExporterRuntime rt = ExporterRuntime.start(config, Clock.systemUTC(), s.faultRate(), !jobsOn);
        FleetUp up = new FleetUp(s, rt);
        try {
            up.startRest();
            return up;
        } catch (RuntimeException | Error e) {
            up.close();
            throw e;
        }
    }

    private void startRest() {
        SimulatedFleet fleet = exporters.fleet().orElseThrow(() -> new IllegalArgumentException("fleet up needs a simulated fleet"));
        totalGpus = fleet.gpuCount();
        if (settings.analytics()) {
            try {
                analytics = AnalyticsRuntime.start(AnalyticsConfig.from(Map.of("metrics-port",
                        Integer.toString(settings.analyticsPort()), "sample-interval", exporterInterval())), fleet,
                        exporters.exporters().stream().map(NodeExporter::collector).toList());
                started.add(analytics);
            } catch (Exception e) {
                // The exporters are the core of `up`: keep them running and say what is missing.
                notes.add("analytics: not started (" + e.getMessage() + "); --no-analytics skips it");
            }
        }
        if (!settings.scheduler()) return;
        try {
            scheduler = startScheduler(fleet);
            started.add(scheduler);
        } catch (RuntimeException e) {
            notes.add("scheduler: not started (" + e.getMessage() + "); choose another --scheduler-port, or --no-scheduler");
            return;
        }
        workloads = new PlacedWork(fleet);
        faults = new FaultBridge(scheduler.loop(), await(scheduler.loop().call(svc -> svc.metrics().registry())));
        await(scheduler.loop().run(svc -> svc.addListener(workloads)));
        ScheduledExecutorService faultSync = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "gpufleet-up-faults");
            t.setDaemon(true);
            return t;
        });
        faultSync.scheduleWithFixedDelay(() -> {
            try {
                faults.observe(exporters.exporters());
            } catch (RuntimeException e) {
                // a periodic task that throws is never run again: log and keep watching
                LOG.warn("fault sync: {}", e.toString());
            }
        }, 0, 500, TimeUnit.MILLISECONDS);
        started.add(faultSync::shutdownNow);
        if (settings.autoscaler()) {
            try {
                // the peak needs about a twentieth of the fleet at the target utilization
                double peak = Math.max(1.2, 0.05 * totalGpus * FleetAutoscaler.TARGET_UTILIZATION / 100.0);
                autoscaler = new FleetAutoscaler(scheduler.loop(), workloads, scheduler.url(), peak,
                        settings.inferenceDay(), settings.seed(), bindAddress(), settings.autoscalerPort());
                started.add(autoscaler);
                autoscaler.start();
            } catch (java.io.IOException | RuntimeException e) {
                notes.add("autoscaler: not started (" + e.getMessage() + "); choose another --autoscaler-port, or --no-autoscaler");
            }
        }
        if (settings.jobs()) {
            double perMinute = settings.jobsPerMinute() > 0 ? settings.jobsPerMinute() : defaultJobRate(totalGpus, settings);
            jobs = new JobStream(scheduler.loop(), workloads, new SyntheticJobs(settings.seed(), settings.minRun(),
                    settings.maxRun()), perMinute / 60.0, settings.maxRun().multipliedBy(2), settings.seed(), System::nanoTime).start();
            started.add(jobs);
        }
    }

    private String exporterInterval() {
        return settings.exporterFlags().getOrDefault("interval", "1s");
    }

    /** Arrivals per minute that keep about 60 % of the GPUs allocated on average (Little's law). */
    static double defaultJobRate(int gpus, Settings s) {
        double meanRunSeconds = (s.minRun().toMillis() + s.maxRun().toMillis()) / 2000.0;
        return 0.6 * gpus / (SyntheticJobs.meanGpusPerJob() * meanRunSeconds) * 60;
    }

    /**
     * The scheduler over the simulated fleet: started embedded on one synthetic node, whose model is then replaced
     * through the service's own cluster-model operations by the fleet's nodes and the default quota groups.
     */
    private SchedulerServer startScheduler(SimulatedFleet fleet) {
        ServerConfig d = ServerConfig.defaults();
        ServerConfig cfg = new ServerConfig(settings.schedulerPort(), bindAddress(), null, null, null, false,
                d.schedulerName(), 1, settings.seed(), d.bodyLimit(), d.tick(), false, "");
        SchedulerServer server = SchedulerServer.start(cfg);
        try {
            List<Node> nodes = ClusterModel.nodes(fleet);
            await(server.loop().run(svc -> {
                Set<String> synthetic = svc.nodeNames();
                for (Node n : nodes) svc.upsertNode(n);
                for (String n : synthetic) svc.removeNode(n);
                svc.setQuotas(ClusterModel.quotas(ClusterModel.DEFAULT_QUOTAS, totalGpus));
                svc.tick();
            }));
            return server;
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    private String bindAddress() {
        return settings.exporterFlags().getOrDefault("bind-address", "0.0.0.0");
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> f) {
        try {
            return f.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("the scheduler's decision loop did not answer in 30 s", e);
        }
    }

    public ExporterRuntime exporters() {
        return exporters;
    }

    /** Why a part is not running (empty when all asked for run). */
    public List<String> notes() {
        return List.copyOf(notes);
    }

    /** The analytics /metrics port, or -1 when the job is not running. */
    public int analyticsPort() {
        return analytics == null ? -1 : analytics.metricsPort();
    }

    /** The scheduler's base URL, or null when it is not running. */
    public String schedulerUrl() {
        return scheduler == null ? null : scheduler.url();
    }

    public int schedulerPort() {
        return scheduler == null ? -1 : scheduler.port();
    }

    /** Every /metrics endpoint beyond the exporters, by Prometheus job name, as host:port on {@code host}. */
    public List<LocalPrometheus.ScrapeJob> scrapeJobs(String host) {
        List<LocalPrometheus.ScrapeJob> out = new ArrayList<>();
        if (analytics != null && analytics.metricsPort() > 0) {
            out.add(new LocalPrometheus.ScrapeJob(ANALYTICS_JOB, List.of(host + ":" + analytics.metricsPort())));
        }
        if (scheduler != null) out.add(new LocalPrometheus.ScrapeJob(SCHEDULER_JOB, List.of(host + ":" + scheduler.port())));
        if (autoscaler != null) out.add(new LocalPrometheus.ScrapeJob(AUTOSCALER_JOB, List.of(host + ":" + autoscaler.port())));
        return out;
    }

    /** Prints where everything is. */
    public void printUrls(PrintStream out) {
        exporters.printUrls(out);
        if (analytics != null) {
            out.println("  analytics      Flink job " + analytics.job().getJobID() + ": faults, quota usage, signals at http://localhost:"
                    + analytics.metricsPort() + "/metrics");
        }
        if (scheduler != null) {
            String u = scheduler.url();
            out.println("  scheduler      " + u + "/api/v1/jobs  nodes " + u + "/api/v1/nodes  quotas " + u
                    + "/api/v1/quotas  metrics " + u + "/metrics  (open API, no tokens)");
        }
        if (autoscaler != null) {
            out.println("  autoscaler     policy chat-serving scales deployment " + InferenceDeployment.NAMESPACE + "/"
                    + InferenceDeployment.NAME + " on GPU utilization (a day every " + settings.inferenceDay().toSeconds()
                    + " s), policy " + ElasticTraining.NAME + " resizes PyTorchJob " + ElasticTraining.NAMESPACE + "/"
                    + ElasticTraining.NAME + " (" + ElasticTraining.MIN + ".." + ElasticTraining.MAX
                    + " workers); metrics at http://localhost:" + autoscaler.port() + "/metrics");
        }
        for (String n : notes) out.println("  " + n);
    }

    /** A point-in-time view for the summary line. */
    public record Status(int gpus, double allocatedGpus, double usedGpus, int failed, int degraded, long outOfPool,
                         long bound, long preempted, int queued, int waiting, int placedPods, JobStream.Counts jobs,
                         boolean scheduler, String autoscaler) {}

    /** Reads the exporters and the scheduler. */
    public Status status() {
        int gpus = 0, failed = 0, degraded = 0;
        double used = 0;
        for (NodeExporter e : exporters.exporters()) {
            for (GpuState g : e.collector().snapshot().gpus()) {
                gpus++;
                if (g.health().status() == HealthStatus.FAILED) failed++;
                if (g.health().status() == HealthStatus.DEGRADED) degraded++;
                double u = g.reading().value(GpuField.GPU_UTILIZATION_RATIO);
                if (!Double.isNaN(u)) used += u;
            }
        }
        if (scheduler == null) {
            return new Status(gpus, 0, used, failed, degraded, 0, 0, 0, 0, 0, 0, null, false, null);
        }
        double[] sched = new double[4];
        try {
            scheduler.loop().run(s -> {
                sched[0] = s.scheduler().state().gpuMilliUsed() / 1000.0;
                sched[1] = s.scheduler().queued();
                sched[2] = s.scheduler().waitingPodNames().size();
                sched[3] = s.scheduler().state().placedCount();
            }).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // a busy loop: show what the exporters say
        }
        return new Status(gpus, sched[0], used, failed, degraded, faults.removed() - faults.returned(),
                workloads.boundCount(), workloads.preemptedCount(), (int) sched[1], (int) sched[2], (int) sched[3],
                jobs == null ? null : jobs.counts(), true, autoscaler == null ? null : autoscaler.summary());
    }

    /** One compact line. */
    public static String summary(Status s, double elapsedSeconds) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "[%5.0fs] GPUs %d: allocated %.1f, used %.1f | faults: %d failed, %d degraded",
                elapsedSeconds, s.gpus(), s.allocatedGpus(), s.usedGpus(), s.failed(), s.degraded()));
        if (s.scheduler()) {
            b.append(String.format(Locale.ROOT, ", %d out of pool | scheduler: %d placed, %d queued, %d waiting, %d bindings, %d preempted",
                    s.outOfPool(), s.placedPods(), s.queued(), s.waiting(), s.bound(), s.preempted()));
        }
        if (s.jobs() != null) {
            b.append(String.format(Locale.ROOT, " | jobs: %d running, %d done, %d withdrawn", s.jobs().active(),
                    s.jobs().finished(), s.jobs().withdrawn()));
        }
        if (s.autoscaler() != null) b.append(" | autoscaler: ").append(s.autoscaler());
        return b.toString();
    }

    /** GPUs of the fleet. */
    public int gpuCount() {
        return totalGpus;
    }

    @Override
    public void close() {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                // keep closing the rest
            }
        }
        exporters.close();
    }
}
