package io.gpufleet.autoscaler.controller;

import io.gpufleet.contracts.Ports;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Configuration of the autoscaler process; every option is checked when parsed and a bad one is named.
 *
 * <table>
 *   <caption>options</caption>
 *   <tr><th>option</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>--policies DIR|FILE</td><td>required</td><td>ScalingPolicy YAML: a file, or every *.yaml/*.yml of a directory</td></tr>
 *   <tr><td>--kubeconfig FILE</td><td>in-cluster, else ~/.kube/config</td><td>Kubernetes credentials</td></tr>
 *   <tr><td>--scheduler-url URL</td><td>none</td><td>scheduler-core API; free GPUs cap scale-ups (without it nothing is capped)</td></tr>
 *   <tr><td>--scheduler-token-file FILE</td><td>none</td><td>bearer token for the scheduler API</td></tr>
 *   <tr><td>--prometheus-url URL</td><td>none</td><td>Prometheus for GPU and Prometheus metrics (required when a policy uses them)</td></tr>
 *   <tr><td>--signals-bootstrap HOST:PORT[,...]</td><td>none</td><td>Kafka of stream-analytics' signals (required when a policy uses Signal metrics)</td></tr>
 *   <tr><td>--dry-run</td><td>off</td><td>decide and log only: no scale, patch, annotation or event is written</td></tr>
 *   <tr><td>--metrics-port N</td><td>8889</td><td>port of /metrics, 0 picks a free one</td></tr>
 *   <tr><td>--period DURATION</td><td>15s</td><td>time between passes, 1s..10m (HPA's sync period is 15 s)</td></tr>
 *   <tr><td>--lease-namespace NS</td><td>the client's namespace (in-cluster: the pod's)</td><td>namespace of the leader-election Lease {@code gpufleet-autoscaler}</td></tr>
 *   <tr><td>--identity ID</td><td>$HOSTNAME</td><td>this replica in the Lease</td></tr>
 *   <tr><td>--no-leader-election</td><td>off</td><td>act without a Lease (one replica only)</td></tr>
 * </table>
 */
public record ControllerConfig(Path policies, Optional<Path> kubeconfig, Optional<URI> schedulerUrl,
                               Optional<Path> schedulerTokenFile, Optional<URI> prometheusUrl,
                               Optional<String> signalsBootstrap, boolean dryRun,
                               int metricsPort, Duration period, Optional<String> leaseNamespace, String identity,
                               boolean leaderElection) {
    /** The options, for {@code --help}. */
    public static final String USAGE = """
            usage: autoscaler --policies DIR|FILE [options]
              --policies DIR|FILE              ScalingPolicy YAML: a file, or every *.yaml/*.yml of a directory (required)
              --kubeconfig FILE                Kubernetes credentials (default: in-cluster, else ~/.kube/config)
              --scheduler-url URL              scheduler-core API; free GPUs cap scale-ups (without it nothing is capped)
              --scheduler-token-file FILE      bearer token for the scheduler API
              --prometheus-url URL             Prometheus for GpuUtilization, GpuMemory and Prometheus metrics
              --signals-bootstrap HOST:PORT    Kafka of stream-analytics' signals, for Signal metrics
              --dry-run                        decide, log and measure; write nothing
              --metrics-port N                 /metrics and /healthz (default 8889, 0 = any free port)
              --period DURATION                time between passes, 1s..10m (default 15s)
              --lease-namespace NS             namespace of the Lease gpufleet-autoscaler (default: the client's)
              --identity ID                    this replica in the Lease (default $HOSTNAME)
              --no-leader-election             act without a Lease (a single replica)
            """;

    public ControllerConfig {
        if (policies == null) throw new IllegalArgumentException("--policies: required (a ScalingPolicy file or directory)");
        if (!Files.exists(policies)) throw new IllegalArgumentException("--policies: " + policies + " does not exist");
        kubeconfig.ifPresent(k -> readable("--kubeconfig", k));
        schedulerTokenFile.ifPresent(k -> readable("--scheduler-token-file", k));
        if (schedulerTokenFile.isPresent() && schedulerUrl.isEmpty()) {
            throw new IllegalArgumentException("--scheduler-token-file: needs --scheduler-url");
        }
        signalsBootstrap.ifPresent(ControllerConfig::checkBootstrap);
        if (metricsPort < 0 || metricsPort > 65535) throw new IllegalArgumentException("--metrics-port: " + metricsPort + " is outside 0..65535");
        if (period.compareTo(Duration.ofSeconds(1)) < 0 || period.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new IllegalArgumentException("--period: " + period + " is outside 1s..10m");
        }
        if (leaseNamespace.isPresent() && leaseNamespace.get().isBlank()) throw new IllegalArgumentException("--lease-namespace: must not be blank");
        if (identity == null || identity.isBlank()) throw new IllegalArgumentException("--identity: required");
    }

    private static void readable(String option, Path p) {
        if (!Files.isReadable(p) || Files.isDirectory(p)) throw new IllegalArgumentException(option + ": " + p + " is not a readable file");
    }

    /** Parses the command line; throws naming the option on any problem. */
    public static ControllerConfig parse(String[] args) {
        Path policies = null;
        Optional<Path> kubeconfig = Optional.empty();
        Optional<URI> scheduler = Optional.empty();
        Optional<Path> token = Optional.empty();
        Optional<URI> prometheus = Optional.empty();
        Optional<String> signals = Optional.empty();
        boolean dryRun = false;
        int port = Ports.AUTOSCALER_METRICS;
        Duration period = Duration.ofSeconds(15);
        Optional<String> leaseNs = Optional.empty();
        String identity = Optional.ofNullable(System.getenv("HOSTNAME")).filter(s -> !s.isBlank()).orElse("gpufleet-autoscaler");
        boolean election = true;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--dry-run" -> dryRun = true;
                case "--no-leader-election" -> election = false;
                case "--policies" -> policies = Path.of(value(args, ++i, a));
                case "--kubeconfig" -> kubeconfig = Optional.of(Path.of(value(args, ++i, a)));
                case "--scheduler-url" -> scheduler = Optional.of(url(a, value(args, ++i, a)));
                case "--scheduler-token-file" -> token = Optional.of(Path.of(value(args, ++i, a)));
                case "--prometheus-url" -> prometheus = Optional.of(url(a, value(args, ++i, a)));
                case "--signals-bootstrap" -> signals = Optional.of(value(args, ++i, a).trim());
                case "--metrics-port" -> port = integer(a, value(args, ++i, a));
                case "--period" -> period = duration(a, value(args, ++i, a));
                case "--lease-namespace" -> leaseNs = Optional.of(value(args, ++i, a));
                case "--identity" -> identity = value(args, ++i, a);
                default -> throw new IllegalArgumentException(a + ": unknown option");
            }
        }
        return new ControllerConfig(policies, kubeconfig, scheduler, token, prometheus, signals, dryRun, port, period, leaseNs, identity, election);
    }

    /** A comma-separated list of host:port with a port in 1..65535. */
    private static void checkBootstrap(String v) {
        for (String part : v.split(",", -1)) {
            String hp = part.trim();
            int colon = hp.lastIndexOf(':');
            if (colon <= 0 || colon == hp.length() - 1 || hp.substring(0, colon).chars().anyMatch(ch -> Character.isWhitespace(ch) || ch == '/')) {
                throw new IllegalArgumentException("--signals-bootstrap: '" + hp + "' is not host:port");
            }
            int port = integer("--signals-bootstrap", hp.substring(colon + 1));
            if (port < 1 || port > 65535) throw new IllegalArgumentException("--signals-bootstrap: port " + port + " is outside 1..65535");
        }
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length || args[i].startsWith("--")) throw new IllegalArgumentException(option + ": needs a value");
        return args[i];
    }

    private static URI url(String option, String v) {
        URI u;
        try {
            u = URI.create(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": '" + v + "' is not a URL");
        }
        if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
            throw new IllegalArgumentException(option + ": '" + v + "' is not an http(s) URL with a host");
        }
        return u;
    }

    private static int integer(String option, String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": '" + v + "' is not an integer");
        }
    }

    /** 90s, 5m, 1m30s, PT15S, or plain seconds. */
    static Duration duration(String option, String v) {
        String s = v.trim();
        try {
            if (s.startsWith("PT") || s.startsWith("pt")) return Duration.parse(s.toUpperCase());
            if (s.matches("\\d+")) return Duration.ofSeconds(Long.parseLong(s));
            if (s.matches("(\\d+h)?(\\d+m)?(\\d+s)?") && !s.isEmpty()) return Duration.parse("PT" + s.toUpperCase());
        } catch (RuntimeException e) {
            // fall through to the error naming the option
        }
        throw new IllegalArgumentException(option + ": '" + v + "' is not a duration (90s, 5m, 1m30s, PT15S)");
    }
}
