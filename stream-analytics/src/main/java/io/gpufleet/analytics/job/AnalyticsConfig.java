package io.gpufleet.analytics.job;

import io.gpufleet.analytics.faults.DetectorSettings;
import io.gpufleet.contracts.Ports;
import io.gpufleet.contracts.Topics;
import io.gpufleet.exporter.config.ConfigException;
import io.gpufleet.exporter.config.ConfigOption;
import java.io.Serializable;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Configuration of the analytics job. Every option is declared once below ({@link #OPTIONS}: name, environment
 * variable, default, documentation, valid range) and checked when the config is built, so a bad value fails at
 * start-up with the option's name in the message ({@link ConfigException#option()}). The README's table lists
 * the same options.
 */
public record AnalyticsConfig(
        Source source, String kafkaBootstrap, String kafkaGroupId, Offsets kafkaOffsets, String metricsTopic,
        String faultsTopic, String quotaTopic, String signalsTopic, String deadLetterTopic, boolean kafkaOutputs,
        Delivery delivery, String alertmanagerUrl, Duration alertResend, int metricsPort, int parallelism,
        Duration checkpointInterval, String checkpointDir, Duration outOfOrderness, Duration idleness, Duration maxFuture,
        Duration sampleInterval, Duration signalWindow, double signalAlpha, Duration thermalSustain,
        Duration powerSustain, Duration silence, Duration quiet, double idleUtilization, Duration idleFor,
        double memoryTolerance) implements Serializable {

    /** Where samples come from. */
    public enum Source { SIMULATED, KAFKA }

    /** Where a Kafka consumer without committed offsets starts. */
    public enum Offsets { EARLIEST, LATEST, COMMITTED }

    /** Guarantee of the Kafka output topics (EXACTLY_ONCE uses Kafka transactions committed on checkpoints). */
    public enum Delivery { AT_LEAST_ONCE, EXACTLY_ONCE }

    // The exporter's option factories, each rebound to this component's environment prefix.
    private static ConfigOption<String> str(String name, String def, String doc) {
        return ConfigOption.string(name, def, doc).withEnv(env(name));
    }

    private static ConfigOption<Integer> integer(String name, int def, int min, int max, String doc) {
        return ConfigOption.integer(name, def, min, max, doc).withEnv(env(name));
    }

    private static ConfigOption<Double> ratio(String name, double def, String doc) {
        return ConfigOption.ratio(name, def, doc).withEnv(env(name));
    }

    private static ConfigOption<Boolean> bool(String name, boolean def, String doc) {
        return ConfigOption.bool(name, def, doc).withEnv(env(name));
    }

    private static ConfigOption<Duration> duration(String name, String def, Duration min, String doc) {
        return ConfigOption.duration(name, def, min, doc).withEnv(env(name));
    }

    private static <E extends Enum<E>> ConfigOption<E> choice(String name, E def, Class<E> type, String doc) {
        return ConfigOption.choice(name, def, type, doc).withEnv(env(name));
    }

    /** GPUFLEET_ANALYTICS_ plus the name in upper snake case. */
    static String env(String name) {
        return "GPUFLEET_ANALYTICS_" + name.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    public static final ConfigOption<Source> SOURCE = choice("source", Source.SIMULATED, Source.class,
            "Where GPU samples come from: the in-process simulated fleet, or Kafka topic metrics-topic.");
    public static final ConfigOption<String> KAFKA_BOOTSTRAP = str("kafka-bootstrap", "",
            "Kafka bootstrap servers (host:port,...). Required for source kafka and for kafka-outputs.");
    public static final ConfigOption<String> KAFKA_GROUP_ID = str("kafka-group-id", "gpufleet-analytics",
            "Consumer group of the Kafka source.");
    public static final ConfigOption<Offsets> KAFKA_OFFSETS = choice("kafka-offsets", Offsets.COMMITTED, Offsets.class,
            "Where the Kafka source starts: earliest, latest, or the group's committed offsets (earliest when none).");
    public static final ConfigOption<String> METRICS_TOPIC = str("metrics-topic", Topics.METRICS,
            "Topic of OTLP protobuf samples.");
    public static final ConfigOption<String> FAULTS_TOPIC = str("faults-topic", Topics.FAULTS, "Topic of JSON GpuFault records.");
    public static final ConfigOption<String> QUOTA_TOPIC = str("quota-topic", Topics.QUOTA_USAGE,
            "Topic of JSON QuotaUsage records.");
    public static final ConfigOption<String> SIGNALS_TOPIC = str("signals-topic", Topics.SIGNALS,
            "Topic of JSON WorkloadSignal records.");
    public static final ConfigOption<String> DEAD_LETTER_TOPIC = str("dead-letter-topic", Topics.METRICS + ".dead-letter",
            "Topic that receives refused input records unchanged, with headers reason and error.");
    public static final ConfigOption<Boolean> KAFKA_OUTPUTS = bool("kafka-outputs", true,
            "Write faults, quota usage, signals and dead letters to Kafka (when kafka-bootstrap is set).");
    public static final ConfigOption<Delivery> DELIVERY = choice("delivery", Delivery.AT_LEAST_ONCE, Delivery.class,
            "Guarantee of the Kafka output topics.");
    public static final ConfigOption<String> ALERTMANAGER_URL = str("alertmanager-url", "",
            "Alertmanager base URL (e.g. http://alertmanager:9093); faults are posted to /api/v2/alerts. Empty: off.");
    public static final ConfigOption<Duration> ALERT_RESEND = duration("alert-resend", "1m", Duration.ofSeconds(1),
            "How often active alerts are posted again so Alertmanager keeps them firing.");
    public static final ConfigOption<Integer> METRICS_PORT = integer("metrics-port", Ports.ANALYTICS_METRICS, -1, 65535,
            "Port of the Prometheus /metrics endpoint (0: any free port, -1: off).");
    public static final ConfigOption<Integer> PARALLELISM = integer("parallelism", 1, 1, 1024, "Job parallelism.");
    public static final ConfigOption<Duration> CHECKPOINT_INTERVAL = duration("checkpoint-interval", "10s",
            Duration.ofMillis(100), "Checkpoint interval (exactly-once state).");
    public static final ConfigOption<String> CHECKPOINT_DIR = str("checkpoint-dir", "",
            "Where checkpoints are written (a file:// or other Flink file-system URI); empty: a directory under the "
                    + "system temp directory.");
    public static final ConfigOption<Duration> OUT_OF_ORDERNESS = duration("out-of-orderness", "5s", Duration.ZERO,
            "How far samples may arrive out of event-time order before they count as late.");
    public static final ConfigOption<Duration> IDLENESS = duration("idleness", "30s", Duration.ofMillis(100),
            "A source partition without samples this long stops holding back event time.");
    public static final ConfigOption<Duration> MAX_FUTURE = duration("max-future", "1h", Duration.ZERO,
            "Samples stamped further ahead of the wall clock are refused as absurd.");
    public static final ConfigOption<Duration> SAMPLE_INTERVAL = duration("sample-interval", "1s", Duration.ofMillis(10),
            "The time one GPU sample accounts for: the exporters' collection interval.");
    public static final ConfigOption<Duration> SIGNAL_WINDOW = duration("signal-window", "10s", Duration.ofMillis(100),
            "Length of a load-signal window.");
    public static final ConfigOption<Double> SIGNAL_ALPHA = ratio("signal-alpha", 0.5,
            "Weight of the newest window in the smoothed load signals (EWMA).");
    public static final ConfigOption<Duration> THERMAL_SUSTAIN = duration("thermal-sustain", "30s", Duration.ofMillis(1),
            "Thermal slowdown lasting this long is a fault; shorter spikes are not.");
    public static final ConfigOption<Duration> POWER_SUSTAIN = duration("power-sustain", "30s", Duration.ofMillis(1),
            "Power-brake / hardware slowdown lasting this long is a fault.");
    public static final ConfigOption<Duration> SILENCE = duration("silence", "15s", Duration.ofMillis(1),
            "A GPU (or whole node) without samples this long is reported as stopped (unreachable).");
    public static final ConfigOption<Duration> QUIET = duration("quiet", "10m", Duration.ofMillis(1),
            "An XID or ECC fault clears after this long without a new one (while the GPU is not failed).");
    public static final ConfigOption<Double> IDLE_UTILIZATION = ratio("idle-utilization", 0.05,
            "Utilization below which an allocated GPU counts as idle.");
    public static final ConfigOption<Duration> IDLE_FOR = duration("idle-for", "30m", Duration.ofMillis(1),
            "How long an allocated GPU must stay idle to be reported.");
    public static final ConfigOption<Double> MEMORY_TOLERANCE = ratio("memory-tolerance", 0.02,
            "Fraction above its memory share a pod may hold on a shared GPU before it is reported.");

    /** Every option, in documentation order. */
    public static final List<ConfigOption<?>> OPTIONS = List.of(SOURCE, KAFKA_BOOTSTRAP, KAFKA_GROUP_ID, KAFKA_OFFSETS,
            METRICS_TOPIC, FAULTS_TOPIC, QUOTA_TOPIC, SIGNALS_TOPIC, DEAD_LETTER_TOPIC, KAFKA_OUTPUTS, DELIVERY,
            ALERTMANAGER_URL, ALERT_RESEND, METRICS_PORT, PARALLELISM, CHECKPOINT_INTERVAL, CHECKPOINT_DIR, OUT_OF_ORDERNESS, IDLENESS,
            MAX_FUTURE, SAMPLE_INTERVAL, SIGNAL_WINDOW, SIGNAL_ALPHA, THERMAL_SUSTAIN, POWER_SUSTAIN, SILENCE, QUIET,
            IDLE_UTILIZATION, IDLE_FOR, MEMORY_TOLERANCE);

    public AnalyticsConfig {
        if (source == Source.KAFKA && kafkaBootstrap.isBlank()) {
            throw new ConfigException(KAFKA_BOOTSTRAP.name(), "must be set when source is kafka");
        }
        if (!alertmanagerUrl.isBlank() && !(alertmanagerUrl.startsWith("http://") || alertmanagerUrl.startsWith("https://"))) {
            throw new ConfigException(ALERTMANAGER_URL.name(), "must be an http:// or https:// URL, was '" + alertmanagerUrl + "'");
        }
        if (signalAlpha <= 0) throw new ConfigException(SIGNAL_ALPHA.name(), "must be > 0, was " + signalAlpha);
        if (idleUtilization >= 1) throw new ConfigException(IDLE_UTILIZATION.name(), "must be < 1, was " + idleUtilization);
        for (String[] t : new String[][] {{METRICS_TOPIC.name(), metricsTopic}, {FAULTS_TOPIC.name(), faultsTopic},
                {QUOTA_TOPIC.name(), quotaTopic}, {SIGNALS_TOPIC.name(), signalsTopic},
                {DEAD_LETTER_TOPIC.name(), deadLetterTopic}}) {
            if (!t[1].matches("[A-Za-z0-9._-]{1,249}")) {
                throw new ConfigException(t[0], "is not a valid Kafka topic name: '" + t[1] + "'");
            }
        }
    }

    /** The defaults: simulated source, no Kafka, no Alertmanager, metrics on 9250. */
    public static AnalyticsConfig defaults() {
        return from(Map.of());
    }

    /**
     * Builds a config from option names to raw values (missing options take their defaults).
     *
     * @throws ConfigException naming the option, for an unknown option or a bad value
     */
    public static AnalyticsConfig from(Map<String, String> raw) {
        Map<String, String> v = new HashMap<>();
        for (ConfigOption<?> o : OPTIONS) v.put(o.name(), o.defaultValue());
        for (Map.Entry<String, String> e : raw.entrySet()) {
            if (!v.containsKey(e.getKey())) throw new ConfigException(e.getKey(), "unknown option");
            v.put(e.getKey(), e.getValue());
        }
        return new AnalyticsConfig(SOURCE.parse(v.get("source")), KAFKA_BOOTSTRAP.parse(v.get("kafka-bootstrap")),
                KAFKA_GROUP_ID.parse(v.get("kafka-group-id")), KAFKA_OFFSETS.parse(v.get("kafka-offsets")),
                METRICS_TOPIC.parse(v.get("metrics-topic")), FAULTS_TOPIC.parse(v.get("faults-topic")),
                QUOTA_TOPIC.parse(v.get("quota-topic")), SIGNALS_TOPIC.parse(v.get("signals-topic")),
                DEAD_LETTER_TOPIC.parse(v.get("dead-letter-topic")), KAFKA_OUTPUTS.parse(v.get("kafka-outputs")),
                DELIVERY.parse(v.get("delivery")), ALERTMANAGER_URL.parse(v.get("alertmanager-url")),
                ALERT_RESEND.parse(v.get("alert-resend")), METRICS_PORT.parse(v.get("metrics-port")),
                PARALLELISM.parse(v.get("parallelism")), CHECKPOINT_INTERVAL.parse(v.get("checkpoint-interval")),
                CHECKPOINT_DIR.parse(v.get("checkpoint-dir")),
                OUT_OF_ORDERNESS.parse(v.get("out-of-orderness")), IDLENESS.parse(v.get("idleness")),
                MAX_FUTURE.parse(v.get("max-future")), SAMPLE_INTERVAL.parse(v.get("sample-interval")),
                SIGNAL_WINDOW.parse(v.get("signal-window")), SIGNAL_ALPHA.parse(v.get("signal-alpha")),
                THERMAL_SUSTAIN.parse(v.get("thermal-sustain")), POWER_SUSTAIN.parse(v.get("power-sustain")),
                SILENCE.parse(v.get("silence")), QUIET.parse(v.get("quiet")),
                IDLE_UTILIZATION.parse(v.get("idle-utilization")), IDLE_FOR.parse(v.get("idle-for")),
                MEMORY_TOLERANCE.parse(v.get("memory-tolerance")));
    }

    /** Options from the environment ({@code GPUFLEET_ANALYTICS_*}), overridden by {@code overrides}. */
    public static AnalyticsConfig fromEnvironment(Map<String, String> env, Map<String, String> overrides) {
        Map<String, String> raw = new LinkedHashMap<>();
        for (ConfigOption<?> o : OPTIONS) if (env.containsKey(o.env())) raw.put(o.name(), env.get(o.env()));
        raw.putAll(overrides);
        return from(raw);
    }

    /** A copy with one option changed (validated like any other value). */
    public AnalyticsConfig with(ConfigOption<?> option, String value) {
        Map<String, String> raw = new HashMap<>(asMap());
        raw.put(option.name(), value);
        return from(raw);
    }

    /** The options as raw strings, the inverse of {@link #from}. */
    public Map<String, String> asMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("source", ConfigOption.label(source));
        m.put("kafka-bootstrap", kafkaBootstrap);
        m.put("kafka-group-id", kafkaGroupId);
        m.put("kafka-offsets", ConfigOption.label(kafkaOffsets));
        m.put("metrics-topic", metricsTopic);
        m.put("faults-topic", faultsTopic);
        m.put("quota-topic", quotaTopic);
        m.put("signals-topic", signalsTopic);
        m.put("dead-letter-topic", deadLetterTopic);
        m.put("kafka-outputs", Boolean.toString(kafkaOutputs));
        m.put("delivery", ConfigOption.label(delivery));
        m.put("alertmanager-url", alertmanagerUrl);
        m.put("alert-resend", ms(alertResend));
        m.put("metrics-port", Integer.toString(metricsPort));
        m.put("parallelism", Integer.toString(parallelism));
        m.put("checkpoint-interval", ms(checkpointInterval));
        m.put("checkpoint-dir", checkpointDir);
        m.put("out-of-orderness", ms(outOfOrderness));
        m.put("idleness", ms(idleness));
        m.put("max-future", ms(maxFuture));
        m.put("sample-interval", ms(sampleInterval));
        m.put("signal-window", ms(signalWindow));
        m.put("signal-alpha", Double.toString(signalAlpha));
        m.put("thermal-sustain", ms(thermalSustain));
        m.put("power-sustain", ms(powerSustain));
        m.put("silence", ms(silence));
        m.put("quiet", ms(quiet));
        m.put("idle-utilization", Double.toString(idleUtilization));
        m.put("idle-for", ms(idleFor));
        m.put("memory-tolerance", Double.toString(memoryTolerance));
        return m;
    }

    private static String ms(Duration d) {
        return d.toMillis() + "ms";
    }

    /** The checkpoint directory URI: the configured one, or one under the system temp directory. */
    public String checkpointUri() {
        if (!checkpointDir.isBlank()) return checkpointDir;
        return java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "gpufleet-analytics-checkpoints").toUri().toString();
    }

    /** The detector thresholds. */
    public DetectorSettings detectors() {
        return new DetectorSettings(thermalSustain.toMillis(), powerSustain.toMillis(), silence.toMillis(),
                quiet.toMillis(), idleUtilization, idleFor.toMillis(), memoryTolerance);
    }

    /** Whether the job writes its results to Kafka. */
    public boolean writesKafka() {
        return kafkaOutputs && !kafkaBootstrap.isBlank();
    }
}
