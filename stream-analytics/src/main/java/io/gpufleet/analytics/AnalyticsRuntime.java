package io.gpufleet.analytics;

import io.gpufleet.analytics.decode.DecodeFunction;
import io.gpufleet.analytics.decode.GpuSample;
import io.gpufleet.analytics.job.AnalyticsConfig;
import io.gpufleet.analytics.job.AnalyticsJob;
import io.gpufleet.analytics.sink.AnalyticsMetrics;
import io.gpufleet.analytics.sink.MetricsServer;
import io.gpufleet.analytics.source.FleetSource;
import io.gpufleet.analytics.source.InProcessFleets;
import io.gpufleet.analytics.source.KafkaSamples;
import io.gpufleet.exporter.config.ConfigException;
import io.gpufleet.exporter.sim.SimulatedFleet;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the analytics job. Embedded ({@link #start}): a Flink MiniCluster inside this JVM, reading the simulated
 * fleet passed in (the one {@code fleet up} drives) or Kafka, per {@link AnalyticsConfig#source()}, with the
 * Prometheus endpoint on {@link AnalyticsConfig#metricsPort()}. On a Flink cluster: {@link #main} is the job
 * jar's entry ({@code flink run -c io.gpufleet.analytics.AnalyticsRuntime gpufleet.jar --source=kafka ...}).
 *
 * <pre>{@code
 * AnalyticsConfig cfg = AnalyticsConfig.from(Map.of("alertmanager-url", "http://localhost:9093"));
 * try (AnalyticsRuntime rt = AnalyticsRuntime.start(cfg, fleet)) {
 *     ... // faults, quota usage and signals flow until close()
 * }
 * }</pre>
 */
public final class AnalyticsRuntime implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AnalyticsRuntime.class);

    private final JobClient job;
    private final MetricsServer metrics;
    private final String fleetName;

    private AnalyticsRuntime(JobClient job, MetricsServer metrics, String fleetName) {
        this.job = job;
        this.metrics = metrics;
        this.fleetName = fleetName;
    }

    /**
     * Starts the job in a MiniCluster in this JVM and returns once it is submitted.
     *
     * @param fleet the simulated fleet to watch when {@code cfg.source()} is {@code simulated}; ignored for Kafka
     * @throws ConfigException naming the option when the config cannot work (e.g. simulated without a fleet)
     */
    public static AnalyticsRuntime start(AnalyticsConfig cfg, SimulatedFleet fleet) throws Exception {
        return start(cfg, fleet, null);
    }

    /**
     * As {@link #start(AnalyticsConfig, SimulatedFleet)}, reading the fleet through collectors that already watch it
     * (one per node, in node order: the exporters of {@code fleet up}), so GPU events keep a single consumer.
     */
    public static AnalyticsRuntime start(AnalyticsConfig cfg, SimulatedFleet fleet,
                                         java.util.List<io.gpufleet.exporter.collect.Collector> collectors) throws Exception {
        if (cfg.source() == AnalyticsConfig.Source.SIMULATED && fleet == null) {
            throw new ConfigException(AnalyticsConfig.SOURCE.name(), "simulated needs a simulated fleet to read");
        }
        String fleetName = null;
        if (cfg.source() == AnalyticsConfig.Source.SIMULATED) {
            fleetName = "fleet-" + UUID.randomUUID();
            if (collectors == null) InProcessFleets.register(fleetName, fleet);
            else InProcessFleets.register(fleetName, fleet, collectors);
        }
        MetricsServer server = null;
        try {
            if (cfg.metricsPort() >= 0) {
                server = MetricsServer.start("0.0.0.0", cfg.metricsPort(), AnalyticsMetrics.shared().registry());
            }
            StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(cfg.parallelism(),
                    AnalyticsJob.clusterConfiguration());
            build(env, cfg, fleetName, fleet == null ? 0 : fleet.gpuCount());
            JobClient client = env.executeAsync("gpufleet analytics");
            log.info("analytics job {} started ({} source{}{})", client.getJobID(), cfg.source().name().toLowerCase(),
                    server == null ? "" : ", metrics on :" + server.port() + "/metrics",
                    cfg.alertmanagerUrl().isBlank() ? "" : ", alerts to " + cfg.alertmanagerUrl());
            return new AnalyticsRuntime(client, server, fleetName);
        } catch (Exception | Error e) {
            if (server != null) server.close();
            if (fleetName != null) InProcessFleets.unregister(fleetName);
            throw e;
        }
    }

    /** Builds the whole pipeline (source, analysis, sinks) on {@code env}. */
    public static void build(StreamExecutionEnvironment env, AnalyticsConfig cfg, String fleetName, int fleetGpus) {
        AnalyticsJob.configure(env, cfg);
        DataStream<GpuSample> samples;
        SingleOutputStreamOperator<GpuSample> decoded = null;
        if (cfg.source() == AnalyticsConfig.Source.KAFKA) {
            DataStream<byte[]> otlp = env.fromSource(KafkaSamples.source(cfg), WatermarkStrategy.noWatermarks(),
                    "kafka " + cfg.metricsTopic()).uid("kafka-source");
            decoded = AnalyticsJob.decode(otlp, cfg);
            samples = decoded;
        } else {
            samples = env.fromSource(FleetSource.of(fleetName, fleetGpus, cfg.sampleInterval()),
                    WatermarkStrategy.noWatermarks(), "simulated fleet").uid("fleet-source").setParallelism(1);
        }
        AnalyticsJob.sinks(AnalyticsJob.analyse(samples, cfg),
                decoded == null ? null : decoded.getSideOutput(DecodeFunction.DEAD_LETTERS), cfg);
    }

    public JobClient job() {
        return job;
    }

    /** The port /metrics is served on, or -1 when off. */
    public int metricsPort() {
        return metrics == null ? -1 : metrics.port();
    }

    /** Cancels the job and stops the metrics endpoint. */
    @Override
    public void close() {
        try {
            job.cancel().get();
        } catch (Exception e) {
            log.debug("cancelling the analytics job: {}", e.toString());
        }
        if (metrics != null) metrics.close();
        if (fleetName != null) InProcessFleets.unregister(fleetName);
    }

    /**
     * Entry point for {@code flink run}: options as {@code --name=value} (or environment variables
     * {@code GPUFLEET_ANALYTICS_*}); the source must be Kafka (the simulated fleet lives only in an embedded JVM).
     */
    public static void main(String[] args) throws Exception {
        Map<String, String> raw = new HashMap<>();
        for (String a : args) {
            if (!a.startsWith("--") || !a.contains("=")) throw new ConfigException(a, "expected --option=value");
            raw.put(a.substring(2, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
        }
        raw.putIfAbsent(AnalyticsConfig.SOURCE.name(), "kafka");
        AnalyticsConfig cfg = AnalyticsConfig.fromEnvironment(System.getenv(), raw);
        if (cfg.source() != AnalyticsConfig.Source.KAFKA) {
            throw new ConfigException(AnalyticsConfig.SOURCE.name(), "must be kafka on a Flink cluster");
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        build(env, cfg, null, 0);
        env.execute("gpufleet analytics");
    }
}
