package io.gpufleet.platform.observe;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Prometheus server run as a child process on loopback, configured to scrape gpufleet exporters and
 * evaluate rule files, with its data in a temporary directory that {@link #close()} removes. Used by
 * {@code fleet up --prometheus} and by the end-to-end tests.
 */
public final class LocalPrometheus implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalPrometheus.class);
    /** The scrape job name; alerts ({@code up{job="gpufleet-exporter"}}) and dashboards use it. */
    public static final String JOB = "gpufleet-exporter";

    /** A scrape target: one exporter and the node it watches (the target's {@code node} label). */
    public record Target(String node, String address) {
        public Target {
            Objects.requireNonNull(node, "node");
            Objects.requireNonNull(address, "address");
            if (!address.matches("[^\\s:/]+:\\d{1,5}")) {
                throw new IllegalArgumentException("address: expected host:port, was '" + address + "'");
            }
        }
    }

    /**
     * Another scrape job: a component's /metrics endpoints (analytics, scheduler, autoscaler).
     *
     * @param name      the job name ({@code up{job="..."}})
     * @param addresses host:port of each endpoint
     */
    public record ScrapeJob(String name, List<String> addresses) {
        public ScrapeJob {
            Objects.requireNonNull(name, "name");
            if (!name.matches("[a-zA-Z_][a-zA-Z0-9_-]*")) throw new IllegalArgumentException("name: not a job name: '" + name + "'");
            if (name.equals(JOB)) throw new IllegalArgumentException("name: " + JOB + " is the exporters' job");
            addresses = List.copyOf(addresses);
            if (addresses.isEmpty()) throw new IllegalArgumentException("addresses: at least one endpoint is needed");
            for (String a : addresses) {
                if (!a.matches("[^\\s:/]+:\\d{1,5}")) throw new IllegalArgumentException("addresses: expected host:port, was '" + a + "'");
            }
        }
    }

    /**
     * What to run.
     *
     * @param binary             the {@code prometheus} executable
     * @param port               listen port on 127.0.0.1 (0: a free one)
     * @param scrapeInterval     how often each exporter is scraped
     * @param evaluationInterval how often rules are evaluated
     * @param ruleFiles          rule files to load (absolute paths are written to the configuration)
     * @param alertmanagers      Alertmanager addresses (host:port) alerts are sent to; may be empty
     * @param targets            the exporters
     * @param jobs               the other components' endpoints, one scrape job each; may be empty
     */
    public record Settings(Path binary, int port, Duration scrapeInterval, Duration evaluationInterval,
                           List<Path> ruleFiles, List<String> alertmanagers, List<Target> targets, List<ScrapeJob> jobs) {

        /** Exporters only. */
        public Settings(Path binary, int port, Duration scrapeInterval, Duration evaluationInterval,
                        List<Path> ruleFiles, List<String> alertmanagers, List<Target> targets) {
            this(binary, port, scrapeInterval, evaluationInterval, ruleFiles, alertmanagers, targets, List.of());
        }

        public Settings {
            Objects.requireNonNull(binary, "binary");
            if (port < 0 || port > 65535) throw new IllegalArgumentException("port: must be within 0..65535, was " + port);
            requirePositive("scrapeInterval", scrapeInterval);
            requirePositive("evaluationInterval", evaluationInterval);
            ruleFiles = List.copyOf(ruleFiles);
            alertmanagers = List.copyOf(alertmanagers);
            targets = List.copyOf(targets);
            jobs = List.copyOf(jobs);
            if (targets.isEmpty()) throw new IllegalArgumentException("targets: at least one exporter is needed");
        }

        private static void requirePositive(String field, Duration d) {
            if (d == null || d.isNegative() || d.isZero() || d.toMillis() < 1) {
                throw new IllegalArgumentException(field + ": must be a positive duration of at least 1 ms, was " + d);
            }
        }
    }

    private final Process process;
    private final Path dir;
    private final int port;
    private final Thread cleanup;

    private LocalPrometheus(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
        // A JVM stopped by Ctrl-C must not leave Prometheus running behind it.
        this.cleanup = new Thread(this::stop, "gpufleet-prometheus-stop");
        Runtime.getRuntime().addShutdownHook(cleanup);
    }

    /** The executable {@code name} on the PATH, if any. */
    public static Optional<Path> findOnPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) return Optional.empty();
        for (String d : path.split(java.io.File.pathSeparator)) {
            if (d.isBlank()) continue;
            Path p = Path.of(d, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return Optional.of(p);
        }
        return Optional.empty();
    }

    /** A port free on 127.0.0.1 right now ({@code preferred} when it is free). */
    public static int freePort(int preferred) {
        if (preferred > 0) {
            try (ServerSocket s = new ServerSocket(preferred, 1, InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            } catch (IOException busy) {
                // fall through to any free port
            }
        }
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    /** The Prometheus configuration for these settings (YAML; pure, so it can be tested without Prometheus). */
    public static String config(Settings s) {
        StringBuilder y = new StringBuilder();
        String interval = duration(s.scrapeInterval());
        // A scrape may not take longer than its interval; Prometheus rejects the configuration otherwise.
        String timeout = duration(s.scrapeInterval().compareTo(Duration.ofSeconds(10)) < 0 ? s.scrapeInterval() : Duration.ofSeconds(10));
        y.append("# generated by gpufleet (LocalPrometheus)\n");
        y.append("global:\n");
        y.append("  scrape_interval: ").append(interval).append('\n');
        y.append("  scrape_timeout: ").append(timeout).append('\n');
        y.append("  evaluation_interval: ").append(duration(s.evaluationInterval())).append('\n');
        if (!s.ruleFiles().isEmpty()) {
            y.append("rule_files:\n");
            for (Path r : s.ruleFiles()) y.append("  - ").append(quote(r.toAbsolutePath().toString())).append('\n');
        }
        if (!s.alertmanagers().isEmpty()) {
            y.append("alerting:\n  alertmanagers:\n    - static_configs:\n        - targets:\n");
            for (String a : s.alertmanagers()) y.append("            - ").append(quote(a)).append('\n');
        }
        y.append("scrape_configs:\n");
        y.append("  - job_name: ").append(JOB).append('\n');
        // The exporters' own node label wins; the target's node label names the node on `up` too.
        y.append("    honor_labels: true\n");
        y.append("    static_configs:\n");
        for (Target t : s.targets()) {
            y.append("      - targets: [").append(quote(t.address())).append("]\n");
            y.append("        labels: {node: ").append(quote(t.node())).append("}\n");
        }
        for (ScrapeJob j : s.jobs()) {
            y.append("  - job_name: ").append(quote(j.name())).append('\n');
            y.append("    static_configs:\n");
            y.append("      - targets: [");
            for (int i = 0; i < j.addresses().size(); i++) y.append(i == 0 ? "" : ", ").append(quote(j.addresses().get(i)));
            y.append("]\n");
        }
        return y.toString();
    }

    /** Starts Prometheus and waits until it reports ready. */
    public static LocalPrometheus start(Settings s, Duration readyTimeout) throws IOException, InterruptedException {
        int port = s.port() == 0 ? freePort(0) : s.port();
        Path dir = Files.createTempDirectory("gpufleet-prometheus-");
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, config(s), StandardCharsets.UTF_8);
        Path log = dir.resolve("prometheus.log");
        List<String> cmd = new ArrayList<>(List.of(s.binary().toString(),
                "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port,
                "--storage.tsdb.retention.time=1d",
                "--log.level=warn"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        LocalPrometheus prom = new LocalPrometheus(p, dir, port);
        try {
            prom.awaitReady(readyTimeout, log);
            return prom;
        } catch (IOException | InterruptedException | RuntimeException e) {
            prom.close();
            throw e;
        }
    }

    private void awaitReady(Duration timeout, Path log) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("prometheus exited with " + process.exitValue() + ": " + tail(log));
            }
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/-/ready"))
                        .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) return;
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IOException("prometheus not ready after " + timeout.toSeconds() + " s: " + tail(log));
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static String duration(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? (ms / 1000) + "s" : ms + "ms";
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    /** Base URL, e.g. {@code http://127.0.0.1:9090}. */
    public String url() {
        return String.format(Locale.ROOT, "http://127.0.0.1:%d", port);
    }

    public int port() {
        return port;
    }

    /** The directory holding the configuration, the log and the data. */
    public Path directory() {
        return dir;
    }

    private synchronized void stop() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        try (Stream<Path> files = Files.exists(dir) ? Files.walk(dir) : Stream.empty()) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            LOG.warn("could not remove {}: {}", dir, e.getMessage());
        }
    }

    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
    }
}
