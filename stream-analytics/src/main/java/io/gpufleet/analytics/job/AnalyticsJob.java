package io.gpufleet.analytics.job;

import io.gpufleet.analytics.decode.DeadLetter;
import io.gpufleet.analytics.decode.DecodeFunction;
import io.gpufleet.analytics.decode.GpuSample;
import io.gpufleet.analytics.quota.QuotaWindowFunction;
import io.gpufleet.analytics.quota.UsageSlice;
import io.gpufleet.analytics.signals.SignalSlice;
import io.gpufleet.analytics.signals.SignalSmoother;
import io.gpufleet.analytics.sink.AlertmanagerSink;
import io.gpufleet.analytics.sink.KafkaOutputs;
import io.gpufleet.analytics.sink.MetricsSink;
import io.gpufleet.contracts.GpuFault;
import io.gpufleet.contracts.QuotaUsage;
import io.gpufleet.contracts.WorkloadSignal;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The analytics job graph, read top to bottom:
 * <pre>
 *   source (Kafka OTLP bytes → decode, or in-process samples)
 *     → event time: bounded out-of-orderness, idle partitions released
 *     → keyBy(node) (at parallelism 1: chained, no shuffle) → NodeAnalytics: faults per GPU (+ node silence), per-minute usage and per-window load slices
 *         ├─ faults                          → Kafka gpufleet.faults, Alertmanager, Prometheus
 *         ├─ usage slices → keyBy(group[/user]) → QuotaWindowFunction → Kafka gpufleet.quota-usage, Prometheus
 *         ├─ load slices  → keyBy(workload)    → SignalSmoother       → Kafka gpufleet.signals
 *         └─ late samples                    → counted
 *   refused input → dead-letter topic (and counted)
 * </pre>
 */
public final class AnalyticsJob {
    private AnalyticsJob() {}

    /** The job's result streams. */
    public record Streams(DataStream<GpuFault> faults, DataStream<QuotaUsage> quota, DataStream<WorkloadSignal> signals,
                          DataStream<GpuSample> late) {}

    /** Checkpointing (exactly-once state), restarts, parallelism and object reuse for the job's environment. */
    public static void configure(StreamExecutionEnvironment env, AnalyticsConfig cfg) {
        Configuration c = clusterConfiguration();
        // State outgrows the JobManager's in-memory checkpoint limit (5 MB) at a few thousand GPUs: use files.
        c.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        c.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, cfg.checkpointUri());
        // NodeAnalytics changes its per-GPU records in place, which the heap backend keeps (RocksDB would not).
        c.set(StateBackendOptions.STATE_BACKEND, "hashmap");
        // Every record and state type has a Flink serializer of its own (typeinfo package, POJO rules for the
        // contracts records): a type that would fall back to Kryo fails the job at submission instead.
        c.set(PipelineOptions.GENERIC_TYPES, false);
        env.configure(c);
        env.setParallelism(cfg.parallelism());
        env.enableCheckpointing(cfg.checkpointInterval().toMillis(), CheckpointingMode.EXACTLY_ONCE);
        // Records inside the job are immutable, so chained operators may pass them on without copying.
        env.getConfig().enableObjectReuse();
    }

    /** The Flink configuration the job wants from its cluster: restart on failure from the last checkpoint. */
    public static Configuration clusterConfiguration() {
        Configuration c = new Configuration();
        c.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        c.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, Integer.MAX_VALUE);
        c.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(1));
        return c;
    }

    /** OTLP records → samples; refused records go to the {@link DecodeFunction#DEAD_LETTERS} side output. */
    public static SingleOutputStreamOperator<GpuSample> decode(DataStream<byte[]> otlp, AnalyticsConfig cfg) {
        return otlp.process(new DecodeFunction(cfg.maxFuture().toMillis())).name("decode OTLP").uid("decode");
    }

    /** The analysis from samples to faults, quota usage and signals. */
    public static Streams analyse(DataStream<GpuSample> samples, AnalyticsConfig cfg) {
        return analyse(samples, cfg, cfg.parallelism() == 1);
    }

    /**
     * @param chained whether to chain the node operator to the source (only valid at parallelism 1); when false the
     *                samples are shuffled by node, which lets a costly source (decoding) run on its own thread
     */
    public static Streams analyse(DataStream<GpuSample> samples, AnalyticsConfig cfg, boolean chained) {
        if (chained && cfg.parallelism() != 1) throw new IllegalArgumentException("chained needs parallelism 1");
        WatermarkStrategy<GpuSample> time = WatermarkStrategy
                .<GpuSample>forBoundedOutOfOrderness(cfg.outOfOrderness())
                .withTimestampAssigner((s, previous) -> s.timeMillis())
                .withIdleness(cfg.idleness());
        DataStream<GpuSample> timed = samples.assignTimestampsAndWatermarks(time).name("event time").uid("event-time");
        // At parallelism 1 every key lives in the one subtask: the stream is keyed as it is, so the node operator is
        // chained to the source and samples are handed over as objects instead of being serialized.
        KeyedStream<GpuSample, String> byNode = chained
                ? DataStreamUtils.reinterpretAsKeyedStream(timed, GpuSample::node, Types.STRING)
                : timed.keyBy(GpuSample::node);
        SingleOutputStreamOperator<GpuFault> node = byNode
                .process(new NodeAnalytics(cfg.detectors(), cfg.sampleInterval().toMillis(), cfg.signalWindow().toMillis()))
                .name("faults per GPU, usage and load per node").uid("node-analytics");
        DataStream<QuotaUsage> quota = node.getSideOutput(NodeAnalytics.USAGE)
                .keyBy(UsageSlice::key)
                .process(new QuotaWindowFunction()).name("quota windows").uid("quota-windows");
        DataStream<WorkloadSignal> signals = node.getSideOutput(NodeAnalytics.SIGNALS)
                .keyBy(SignalSlice::key)
                .process(new SignalSmoother(cfg.signalWindow().toMillis(), cfg.signalAlpha()))
                .name("load signals").uid("load-signals");
        return new Streams(node, quota, signals, node.getSideOutput(NodeAnalytics.LATE));
    }

    /**
     * Attaches the configured sinks: Kafka topics (when Kafka is configured), Alertmanager (when its URL is set),
     * Prometheus metrics (always; served when the metrics port is on).
     *
     * @param deadLetters refused input, or null when the source yields samples directly
     */
    public static void sinks(Streams s, DataStream<DeadLetter> deadLetters, AnalyticsConfig cfg) {
        if (cfg.writesKafka()) {
            s.faults().sinkTo(KafkaOutputs.faults(cfg)).name("kafka faults").uid("kafka-faults");
            s.quota().sinkTo(KafkaOutputs.quota(cfg)).name("kafka quota usage").uid("kafka-quota");
            s.signals().sinkTo(KafkaOutputs.signals(cfg)).name("kafka signals").uid("kafka-signals");
            if (deadLetters != null) {
                deadLetters.sinkTo(KafkaOutputs.deadLetters(cfg)).name("kafka dead letters").uid("kafka-dead-letters");
            }
        }
        if (!cfg.alertmanagerUrl().isBlank()) {
            s.faults().sinkTo(new AlertmanagerSink(cfg.alertmanagerUrl(), cfg.alertResend()))
                    .name("alertmanager").uid("alertmanager").setParallelism(1);
        }
        s.faults().sinkTo(MetricsSink.faults()).name("fault metrics").uid("fault-metrics");
        s.quota().sinkTo(MetricsSink.quota()).name("quota metrics").uid("quota-metrics");
        s.late().sinkTo(MetricsSink.lateSamples()).name("late samples").uid("late-samples");
    }
}
