package io.gpufleet.scheduler.api;

import io.gpufleet.contracts.Ports;
import io.gpufleet.scheduler.Schedulers;
import io.gpufleet.scheduler.framework.Profile;
import io.gpufleet.scheduler.quota.QuotaTree;
import io.gpufleet.scheduler.state.ClusterState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * Configuration of the scheduler server; validated when built, each problem named by its option.
 *
 * <table>
 *   <caption>options</caption>
 *   <tr><th>option</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>--port</td><td>8888</td><td>HTTP(S) port; 0 picks a free one</td></tr>
 *   <tr><td>--host</td><td>0.0.0.0</td><td>address to listen on</td></tr>
 *   <tr><td>--tokens</td><td>none</td><td>YAML tokens file; without it the API is open (development only)</td></tr>
 *   <tr><td>--tls-cert, --tls-key</td><td>none</td><td>PEM certificate chain and private key: serve HTTPS</td></tr>
 *   <tr><td>--kube</td><td>off</td><td>Kubernetes mode (in-cluster or kubeconfig credentials)</td></tr>
 *   <tr><td>--scheduler-name</td><td>gpufleet</td><td>pods with this spec.schedulerName are scheduled (Kubernetes mode)</td></tr>
 *   <tr><td>--nodes</td><td>16</td><td>simulated nodes (8 GPUs each) in embedded mode, 1..5000</td></tr>
 *   <tr><td>--seed</td><td>42</td><td>seed of the simulated fleet</td></tr>
 *   <tr><td>--body-limit</td><td>1048576</td><td>largest request body in bytes, 1 KiB..64 MiB</td></tr>
 *   <tr><td>--tick-ms</td><td>200</td><td>period of the scheduling pass, 10..60000</td></tr>
 *   <tr><td>--extender-open</td><td>off</td><td>serve /scheduler/* without a token (kube-scheduler cannot send one)</td></tr>
 *   <tr><td>--faults-bootstrap</td><td>off</td><td>Kafka host:port[,host:port...] of the fault stream; GPU health follows it</td></tr>
 *   <tr><td>--profile</td><td>built-in default</td><td>YAML scheduling profile (scheduler-core/README.md, "Profiles"); checked
 *       at start: an unknown plugin or argument stops the server with the file and field named</td></tr>
 * </table>
 */
public record ServerConfig(int port, String host, Path tokensFile, Path tlsCert, Path tlsKey, boolean kube,
                           String schedulerName, int nodes, long seed, long bodyLimit, Duration tick,
                           boolean extenderOpen, String faultsBootstrap, Path profileFile) {

    /** The configuration with the built-in default profile. */
    public ServerConfig(int port, String host, Path tokensFile, Path tlsCert, Path tlsKey, boolean kube,
                        String schedulerName, int nodes, long seed, long bodyLimit, Duration tick, boolean extenderOpen,
                        String faultsBootstrap) {
        this(port, host, tokensFile, tlsCert, tlsKey, kube, schedulerName, nodes, seed, bodyLimit, tick, extenderOpen, faultsBootstrap, null);
    }

    /** The configuration without a fault stream (the shape before {@code --faults-bootstrap}). */
    public ServerConfig(int port, String host, Path tokensFile, Path tlsCert, Path tlsKey, boolean kube,
                        String schedulerName, int nodes, long seed, long bodyLimit, Duration tick, boolean extenderOpen) {
        this(port, host, tokensFile, tlsCert, tlsKey, kube, schedulerName, nodes, seed, bodyLimit, tick, extenderOpen, "");
    }

    public ServerConfig {
        if (port < 0 || port > 65535) throw new IllegalArgumentException("--port: " + port + " is outside 0..65535");
        if (host == null || host.isBlank()) throw new IllegalArgumentException("--host: required");
        if (tokensFile != null && !Files.isReadable(tokensFile)) throw new IllegalArgumentException("--tokens: " + tokensFile + " is not a readable file");
        if ((tlsCert == null) != (tlsKey == null)) throw new IllegalArgumentException("--tls-cert and --tls-key go together");
        if (tlsCert != null && !Files.isReadable(tlsCert)) throw new IllegalArgumentException("--tls-cert: " + tlsCert + " is not a readable file");
        if (tlsKey != null && !Files.isReadable(tlsKey)) throw new IllegalArgumentException("--tls-key: " + tlsKey + " is not a readable file");
        if (schedulerName == null || schedulerName.isBlank()) throw new IllegalArgumentException("--scheduler-name: required");
        if (nodes < 1 || nodes > 5000) throw new IllegalArgumentException("--nodes: " + nodes + " is outside 1..5000");
        if (bodyLimit < 1024 || bodyLimit > 64L << 20) throw new IllegalArgumentException("--body-limit: " + bodyLimit + " is outside 1024..67108864");
        if (tick == null || tick.toMillis() < 10 || tick.toMillis() > 60_000) throw new IllegalArgumentException("--tick-ms: outside 10..60000");
        faultsBootstrap = faultsBootstrap == null ? "" : faultsBootstrap.trim();
        checkBootstrap(faultsBootstrap);
        if (profileFile != null) loadProfile(profileFile);
    }

    /** The scheduling profile: {@code --profile}'s file, or the built-in default. */
    public Profile profile() {
        return profileFile == null ? Profile.defaultProfile() : loadProfile(profileFile);
    }

    /** Reads and checks a profile file: it must parse and build a scheduler (plugins and their arguments known). */
    private static Profile loadProfile(Path file) {
        Profile p;
        try {
            p = Profile.fromFile(file);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--profile: " + e.getMessage(), e);
        }
        try {
            Schedulers.create(new ClusterState(), QuotaTree.empty(), p, Clock.systemUTC());
            return p;
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new IllegalArgumentException("--profile: " + file + ": " + e.getMessage(), e);
        }
    }

    /** Empty (off) or a comma-separated list of host:port with a port in 1..65535. */
    private static void checkBootstrap(String v) {
        if (v.isEmpty()) return;
        for (String part : v.split(",", -1)) {
            String hp = part.trim();
            int colon = hp.lastIndexOf(':');
            if (colon <= 0 || colon == hp.length() - 1) {
                throw new IllegalArgumentException("--faults-bootstrap: '" + hp + "' is not host:port");
            }
            String host = hp.substring(0, colon);
            if (host.chars().anyMatch(ch -> Character.isWhitespace(ch) || ch == '/')) {
                throw new IllegalArgumentException("--faults-bootstrap: '" + host + "' is not a host name");
            }
            int port;
            try {
                port = Integer.parseInt(hp.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--faults-bootstrap: port '" + hp.substring(colon + 1) + "' is not an integer");
            }
            if (port < 1 || port > 65535) throw new IllegalArgumentException("--faults-bootstrap: port " + port + " is outside 1..65535");
        }
    }

    /** Whether GPU health follows the fault stream. */
    public boolean faultsEnabled() {
        return !faultsBootstrap.isEmpty();
    }

    public static ServerConfig defaults() {
        return new ServerConfig(Ports.SCHEDULER_API, "0.0.0.0", null, null, null, false, "gpufleet", 16, 42,
                1 << 20, Duration.ofMillis(200), false);
    }

    /** Parses command-line options over the defaults. */
    public static ServerConfig parse(String[] args) {
        ServerConfig c = defaults();
        int port = c.port, nodes = c.nodes;
        String host = c.host, name = c.schedulerName;
        Path tokens = null, cert = null, key = null, profile = null;
        boolean kube = false, open = false;
        String faults = c.faultsBootstrap;
        long seed = c.seed, limit = c.bodyLimit, tick = c.tick.toMillis();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                v = a.substring(eq + 1);
                a = a.substring(0, eq);
            }
            switch (a) {
                case "--kube" -> kube = true;
                case "--extender-open" -> open = true;
                case "--port", "--host", "--tokens", "--tls-cert", "--tls-key", "--scheduler-name", "--nodes", "--seed",
                     "--body-limit", "--tick-ms", "--faults-bootstrap", "--profile" -> {
                    if (v == null) {
                        if (i + 1 >= args.length) throw new IllegalArgumentException(a + ": a value is required");
                        v = args[++i];
                    }
                    switch (a) {
                        case "--port" -> port = integer(a, v);
                        case "--host" -> host = v;
                        case "--tokens" -> tokens = Path.of(v);
                        case "--tls-cert" -> cert = Path.of(v);
                        case "--tls-key" -> key = Path.of(v);
                        case "--scheduler-name" -> name = v;
                        case "--nodes" -> nodes = integer(a, v);
                        case "--seed" -> seed = number(a, v);
                        case "--body-limit" -> limit = number(a, v);
                        case "--faults-bootstrap" -> faults = v;
                        case "--profile" -> profile = Path.of(v);
                        default -> tick = number(a, v);
                    }
                }
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        return new ServerConfig(port, host, tokens, cert, key, kube, name, nodes, seed, limit, Duration.ofMillis(tick), open, faults, profile);
    }

    private static int integer(String opt, String v) {
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(opt + ": '" + v + "' is not an integer");
        }
    }

    private static long number(String opt, String v) {
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(opt + ": '" + v + "' is not an integer");
        }
    }

    public ServerConfig withPort(int p) {
        return new ServerConfig(p, host, tokensFile, tlsCert, tlsKey, kube, schedulerName, nodes, seed, bodyLimit, tick, extenderOpen, faultsBootstrap, profileFile);
    }

    public ServerConfig withTokens(Path t) {
        return new ServerConfig(port, host, t, tlsCert, tlsKey, kube, schedulerName, nodes, seed, bodyLimit, tick, extenderOpen, faultsBootstrap, profileFile);
    }

    public ServerConfig withTls(Path cert, Path key) {
        return new ServerConfig(port, host, tokensFile, cert, key, kube, schedulerName, nodes, seed, bodyLimit, tick, extenderOpen, faultsBootstrap, profileFile);
    }

    public ServerConfig withBodyLimit(long l) {
        return new ServerConfig(port, host, tokensFile, tlsCert, tlsKey, kube, schedulerName, nodes, seed, l, tick, extenderOpen, faultsBootstrap, profileFile);
    }

    public ServerConfig withHost(String h) {
        return new ServerConfig(port, h, tokensFile, tlsCert, tlsKey, kube, schedulerName, nodes, seed, bodyLimit, tick, extenderOpen, faultsBootstrap, profileFile);
    }

    public ServerConfig withFaultsBootstrap(String bootstrap) {
        return new ServerConfig(port, host, tokensFile, tlsCert, tlsKey, kube, schedulerName, nodes, seed, bodyLimit, tick, extenderOpen, bootstrap, profileFile);
    }

    public ServerConfig withProfile(Path file) {
        return new ServerConfig(port, host, tokensFile, tlsCert, tlsKey, kube, schedulerName, nodes, seed, bodyLimit, tick, extenderOpen, faultsBootstrap, file);
    }

    public ServerConfig withExtenderOpen(boolean o) {
        return new ServerConfig(port, host, tokensFile, tlsCert, tlsKey, kube, schedulerName, nodes, seed, bodyLimit, tick, o, faultsBootstrap, profileFile);
    }
}
