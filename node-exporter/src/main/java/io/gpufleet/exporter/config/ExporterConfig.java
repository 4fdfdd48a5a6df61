package io.gpufleet.exporter.config;

import io.gpufleet.contracts.Ports;
import io.gpufleet.contracts.Topics;
import io.gpufleet.exporter.metrics.MetricSet;
import java.io.IOException;
import java.io.Reader;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * The node-exporter's configuration. Every option is declared once in {@link #OPTIONS} and can be given as a
 * flag ({@code --port 9400}), an environment variable ({@code GPUFLEET_EXPORTER_PORT=9400}) or a key in a
 * properties file ({@code port=9400}, file named by {@code --config}); flags win over the environment, the
 * environment over the file. Everything is validated when the config is built: a bad value fails start-up
 * with the option's name in the message.
 */
public record ExporterConfig(
        int port, String bindAddress, String nodeName, int simulate, int simulateNodes, long seed,
        String simulateFaults, String nvmlLibrary, Duration interval, Duration slowInterval, MetricSet metrics,
        String kafkaBootstrap, String kafkaTopic, int kafkaBuffer, String otlpEndpoint, OtlpProtocol otlpProtocol,
        String tlsCert, String tlsKey, String basicAuthUser, String basicAuthPasswordFile, Kubernetes kubernetes,
        String procRoot, String podResourcesSocket, Duration xidWindow, Duration slowdownPersistence) {

    public enum OtlpProtocol { GRPC, HTTP_PROTOBUF }

    public enum Kubernetes { AUTO, ON, OFF }

    public static final ConfigOption<Integer> PORT = ConfigOption.integer("port", Ports.EXPORTER, 0, 65535,
            "Port of /metrics, /health and / (0 picks a free port).");
    public static final ConfigOption<String> BIND_ADDRESS = ConfigOption.string("bind-address", "0.0.0.0",
            "Address the HTTP server listens on.");
    public static final ConfigOption<String> NODE_NAME = ConfigOption.string("node-name", "",
            "This node's name (Hostname label); empty: env NODE_NAME, else the host name.");
    public static final ConfigOption<Integer> SIMULATE = ConfigOption.integer("simulate", 0, 0, 4096,
            "Serve a simulated node with this many GPUs instead of NVML (0: use NVML).");
    public static final ConfigOption<Integer> SIMULATE_NODES = ConfigOption.integer("simulate-nodes", 1, 1, 1024,
            "With --simulate: simulated nodes, one exporter each on consecutive ports.");
    public static final ConfigOption<Long> SEED = ConfigOption.longValue("seed", 42,
            "Seed of the simulated fleet; the same seed gives the same fleet.");
    public static final ConfigOption<String> SIMULATE_FAULTS = ConfigOption.string("simulate-faults", "",
            "With --simulate: scheduled faults, e.g. 30s:sim-node-00:2:xid=79 (comma separated; see the simulator README).");
    public static final ConfigOption<String> NVML_LIBRARY = ConfigOption.string("nvml-library", "libnvidia-ml.so.1",
            "NVML library to load (soname or path).");
    public static final ConfigOption<Duration> INTERVAL = ConfigOption.duration("interval", "1s", Duration.ofMillis(10),
            "Collection interval; scrapes read the last collection.");
    public static final ConfigOption<Duration> SLOW_INTERVAL = ConfigOption.duration("slow-interval", "10s",
            Duration.ofMillis(10), "Interval of slow sampling reads (PCIe throughput, ~20 ms per GPU each).");
    public static final ConfigOption<MetricSet> METRICS = ConfigOption.choice("metrics", MetricSet.BOTH, MetricSet.class,
            "Metric names to expose: gpufleet's native set, the dcgm-exporter set, or both.");
    public static final ConfigOption<String> KAFKA_BOOTSTRAP = ConfigOption.string("kafka-bootstrap", "",
            "Kafka bootstrap servers; empty disables the Kafka publisher.");
    public static final ConfigOption<String> KAFKA_TOPIC = ConfigOption.string("kafka-topic", Topics.METRICS,
            "Kafka topic for OTLP metrics.");
    public static final ConfigOption<Integer> KAFKA_BUFFER = ConfigOption.integer("kafka-buffer", 120, 1, 1_000_000,
            "Snapshots buffered while Kafka is unreachable; beyond this the oldest are dropped and counted.");
    public static final ConfigOption<String> OTLP_ENDPOINT = ConfigOption.string("otlp-endpoint", "",
            "OTLP endpoint, e.g. http://collector:4317; empty disables OTLP push.");
    public static final ConfigOption<OtlpProtocol> OTLP_PROTOCOL = ConfigOption.choice("otlp-protocol",
            OtlpProtocol.GRPC, OtlpProtocol.class, "OTLP transport.");
    public static final ConfigOption<String> TLS_CERT = ConfigOption.string("tls-cert", "",
            "PEM certificate (chain) for HTTPS; with --tls-key.");
    public static final ConfigOption<String> TLS_KEY = ConfigOption.string("tls-key", "",
            "PEM private key (PKCS#8) for HTTPS; with --tls-cert.");
    public static final ConfigOption<String> BASIC_AUTH_USER = ConfigOption.string("basic-auth-user", "",
            "User for HTTP basic auth on /metrics; with --basic-auth-password-file.");
    public static final ConfigOption<String> BASIC_AUTH_PASSWORD_FILE = ConfigOption.string("basic-auth-password-file", "",
            "File whose first line is the basic-auth password.");
    public static final ConfigOption<Kubernetes> KUBERNETES = ConfigOption.choice("kubernetes", Kubernetes.AUTO,
            Kubernetes.class, "Attribute GPUs to pods through the Kubernetes API (auto: when running in a cluster).");
    public static final ConfigOption<String> PROC_ROOT = ConfigOption.string("proc-root", "/proc",
            "Where to read /proc/<pid>/cgroup for process-to-pod attribution (a host mount in a DaemonSet).");
    /** The value of {@link #POD_RESOURCES_SOCKET} that turns the kubelet's PodResources API off. */
    public static final String POD_RESOURCES_OFF = "none";
    public static final ConfigOption<String> POD_RESOURCES_SOCKET = new ConfigOption<>("pod-resources-socket",
            ConfigOption.envName("pod-resources-socket"), "/var/lib/kubelet/pod-resources/kubelet.sock",
            "The kubelet's PodResources socket, polled on the slow pass to attribute whole GPUs to the containers"
                    + " holding them; used only when the file exists and NVML is read (none: off).",
            s -> s, s -> s.equals(POD_RESOURCES_OFF) || s.startsWith("/"), "an absolute path or none");
    public static final ConfigOption<Duration> XID_WINDOW = ConfigOption.duration("xid-window", "15m",
            Duration.ofSeconds(1), "How long an XID keeps a GPU degraded or failed after it was last seen.");
    public static final ConfigOption<Duration> SLOWDOWN_PERSISTENCE = ConfigOption.duration("slowdown-persistence",
            "60s", Duration.ZERO, "How long a hardware slowdown must last before the GPU counts as degraded.");

    /** Every option, in documentation order. */
    public static final List<ConfigOption<?>> OPTIONS = List.of(PORT, BIND_ADDRESS, NODE_NAME, SIMULATE, SIMULATE_NODES,
            SEED, SIMULATE_FAULTS, NVML_LIBRARY, INTERVAL, SLOW_INTERVAL, METRICS, KAFKA_BOOTSTRAP, KAFKA_TOPIC,
            KAFKA_BUFFER, OTLP_ENDPOINT, OTLP_PROTOCOL, TLS_CERT, TLS_KEY, BASIC_AUTH_USER, BASIC_AUTH_PASSWORD_FILE,
            KUBERNETES, PROC_ROOT, POD_RESOURCES_SOCKET, XID_WINDOW, SLOWDOWN_PERSISTENCE);

    /** The option naming the properties file. */
    public static final String CONFIG_FILE_OPTION = "config";

    public static ExporterConfig defaults() {
        return resolve(Map.of(), Map.of());
    }

    /**
     * Builds the config from flags (option name → raw value, only those given) and the environment. A
     * {@code config} entry in the flags or {@code GPUFLEET_EXPORTER_CONFIG} in the environment names a
     * properties file read below both.
     *
     * @throws ConfigException naming the option, for the first bad value
     */
    public static ExporterConfig resolve(Map<String, String> flags, Map<String, String> env) {
        for (String k : flags.keySet()) {
            if (!k.equals(CONFIG_FILE_OPTION) && OPTIONS.stream().noneMatch(o -> o.name().equals(k))) {
                throw new ConfigException(k, "unknown option");
            }
        }
        Map<String, String> file = Map.of();
        String path = Optional.ofNullable(flags.get(CONFIG_FILE_OPTION)).orElse(env.get("GPUFLEET_EXPORTER_CONFIG"));
        if (path != null && !path.isBlank()) file = readFile(Path.of(path));
        Map<String, String> raw = new HashMap<>();
        for (ConfigOption<?> o : OPTIONS) {
            String v = flags.get(o.name());
            if (v == null) v = env.get(o.env());
            if (v == null) v = file.get(o.name());
            raw.put(o.name(), v == null ? o.defaultValue() : v);
        }
        return build(raw, env);
    }

    private static Map<String, String> readFile(Path p) {
        Properties props = new Properties();
        try (Reader r = Files.newBufferedReader(p)) {
            props.load(r);
        } catch (IOException e) {
            throw new ConfigException(CONFIG_FILE_OPTION, "cannot read " + p + ": " + e.getMessage());
        }
        Map<String, String> out = new HashMap<>();
        for (String k : props.stringPropertyNames()) {
            if (OPTIONS.stream().noneMatch(o -> o.name().equals(k))) {
                throw new ConfigException(k, "unknown option in " + p);
            }
            out.put(k, props.getProperty(k));
        }
        return out;
    }

    private static ExporterConfig build(Map<String, String> raw, Map<String, String> env) {
        String node = NODE_NAME.parse(raw.get("node-name"));
        if (node.isBlank()) node = env.getOrDefault("NODE_NAME", "");
        if (node.isBlank()) node = hostName();
        ExporterConfig c = new ExporterConfig(
                PORT.parse(raw.get("port")), BIND_ADDRESS.parse(raw.get("bind-address")), node,
                SIMULATE.parse(raw.get("simulate")), SIMULATE_NODES.parse(raw.get("simulate-nodes")),
                SEED.parse(raw.get("seed")), SIMULATE_FAULTS.parse(raw.get("simulate-faults")),
                NVML_LIBRARY.parse(raw.get("nvml-library")), INTERVAL.parse(raw.get("interval")),
                SLOW_INTERVAL.parse(raw.get("slow-interval")), METRICS.parse(raw.get("metrics")),
                KAFKA_BOOTSTRAP.parse(raw.get("kafka-bootstrap")), KAFKA_TOPIC.parse(raw.get("kafka-topic")),
                KAFKA_BUFFER.parse(raw.get("kafka-buffer")), OTLP_ENDPOINT.parse(raw.get("otlp-endpoint")),
                OTLP_PROTOCOL.parse(raw.get("otlp-protocol")), TLS_CERT.parse(raw.get("tls-cert")),
                TLS_KEY.parse(raw.get("tls-key")), BASIC_AUTH_USER.parse(raw.get("basic-auth-user")),
                BASIC_AUTH_PASSWORD_FILE.parse(raw.get("basic-auth-password-file")),
                KUBERNETES.parse(raw.get("kubernetes")), PROC_ROOT.parse(raw.get("proc-root")),
                POD_RESOURCES_SOCKET.parse(raw.get("pod-resources-socket")),
                XID_WINDOW.parse(raw.get("xid-window")), SLOWDOWN_PERSISTENCE.parse(raw.get("slowdown-persistence")));
        c.crossCheck();
        return c;
    }

    private void crossCheck() {
        if (tlsCert.isBlank() != tlsKey.isBlank()) {
            throw new ConfigException(tlsCert.isBlank() ? "tls-cert" : "tls-key", "TLS needs both --tls-cert and --tls-key");
        }
        for (String[] f : new String[][]{{"tls-cert", tlsCert}, {"tls-key", tlsKey},
                {"basic-auth-password-file", basicAuthPasswordFile}}) {
            if (!f[1].isBlank() && !Files.isReadable(Path.of(f[1]))) {
                throw new ConfigException(f[0], "file " + f[1] + " does not exist or is not readable");
            }
        }
        if (basicAuthUser.isBlank() != basicAuthPasswordFile.isBlank()) {
            throw new ConfigException(basicAuthUser.isBlank() ? "basic-auth-user" : "basic-auth-password-file",
                    "basic auth needs both --basic-auth-user and --basic-auth-password-file");
        }
        if (!kafkaBootstrap.isBlank() && !kafkaBootstrap.matches("[^,\\s]+:\\d+(,[^,\\s]+:\\d+)*")) {
            throw new ConfigException("kafka-bootstrap", "must be host:port[,host:port...], was '" + kafkaBootstrap + "'");
        }
        if (!otlpEndpoint.isBlank() && !otlpEndpoint.matches("https?://.+")) {
            throw new ConfigException("otlp-endpoint", "must start with http:// or https://, was '" + otlpEndpoint + "'");
        }
        if (simulate == 0 && simulateNodes > 1) {
            throw new ConfigException("simulate-nodes", "needs --simulate <gpus per node>");
        }
        if (slowInterval.compareTo(interval) < 0) {
            throw new ConfigException("slow-interval", "must not be shorter than --interval (" + ConfigOption.format(interval) + ")");
        }
        if (simulate > 0 && port > 0 && port + simulateNodes - 1 > 65535) {
            throw new ConfigException("port", "port + simulate-nodes - 1 exceeds 65535");
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    public boolean tls() {
        return !tlsCert.isBlank();
    }

    public boolean basicAuth() {
        return !basicAuthUser.isBlank();
    }

    /** The kubelet's PodResources socket to poll, or empty when the option is {@value #POD_RESOURCES_OFF}. */
    public Optional<Path> podResourcesSocketPath() {
        return podResourcesSocket.equals(POD_RESOURCES_OFF) ? Optional.empty() : Optional.of(Path.of(podResourcesSocket));
    }

    /** Whether Kubernetes attribution should run, given the environment. */
    public boolean kubernetesEnabled(Map<String, String> env) {
        return switch (kubernetes) {
            case ON -> true;
            case OFF -> false;
            case AUTO -> simulate == 0 && env.containsKey("KUBERNETES_SERVICE_HOST");
        };
    }
}
