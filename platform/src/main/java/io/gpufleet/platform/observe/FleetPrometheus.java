package io.gpufleet.platform.observe;

import io.gpufleet.exporter.NodeExporter;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * {@code fleet up --prometheus}: a local Prometheus scraping the fleet's exporters and the other components every 5 s
 * with gpufleet's rules ({@code alerts/*.yml}), so graphs and alerts show up within a minute.
 */
public final class FleetPrometheus {
    private FleetPrometheus() {}

    /** Scrape and evaluation interval of the local Prometheus: short, so a demo shows data at once. */
    public static final Duration INTERVAL = Duration.ofSeconds(5);

    /**
     * Starts Prometheus for these exporters and the other components' endpoints, or explains on {@code out} why not
     * and returns empty.
     *
     * @param jobs the analytics, scheduler and autoscaler endpoints, one scrape job each
     * @param port 0 for 9090 when free, else any free port
     */
    public static Optional<LocalPrometheus> start(List<NodeExporter> exporters, List<LocalPrometheus.ScrapeJob> jobs,
                                                  String bindAddress, int port, PrintStream out) throws InterruptedException {
        Optional<Path> binary = LocalPrometheus.findOnPath("prometheus");
        if (binary.isEmpty()) {
            out.println("--prometheus: no 'prometheus' on the PATH; install it (Debian/Ubuntu: apt-get install prometheus,"
                    + " or a release from prometheus.io) and run again. Continuing without it.");
            return Optional.empty();
        }
        List<Path> rules = ruleFiles(rulesDirectory());
        if (rules.isEmpty()) {
            out.println("--prometheus: alerts/*.yml not found (run from the repository root); starting without rules.");
        }
        String host = scrapeHost(bindAddress);
        List<LocalPrometheus.Target> targets = new ArrayList<>();
        for (NodeExporter e : exporters) targets.add(new LocalPrometheus.Target(e.source().node(), host + ":" + e.port()));
        int p = port > 0 ? port : LocalPrometheus.freePort(9090);
        try {
            LocalPrometheus prom = LocalPrometheus.start(new LocalPrometheus.Settings(binary.get(), p, INTERVAL, INTERVAL,
                    rules, List.of(), targets, jobs), Duration.ofSeconds(30));
            String others = jobs.stream().map(LocalPrometheus.ScrapeJob::name).reduce((a, b) -> a + ", " + b)
                    .map(j -> " and " + j).orElse("");
            out.println("Prometheus: " + prom.url() + "  (" + targets.size() + " exporters" + others + " every " + INTERVAL.toSeconds()
                    + " s, " + rules.size() + " rule files; alerts at " + prom.url() + "/alerts, data in "
                    + prom.directory() + ", removed on exit)");
            return Optional.of(prom);
        } catch (IOException e) {
            out.println("--prometheus: could not start Prometheus: " + e.getMessage() + ". Continuing without it.");
            return Optional.empty();
        }
    }

    /** The address Prometheus reaches a server listening on {@code bindAddress} at. */
    public static String scrapeHost(String bindAddress) {
        return bindAddress.equals("0.0.0.0") || bindAddress.equals("::") ? "127.0.0.1" : bindAddress;
    }

    /** {@code ./alerts}, else the {@code alerts} folder of the checkout the jar was built in. */
    static Optional<Path> rulesDirectory() {
        Path cwd = Path.of("alerts");
        if (Files.isDirectory(cwd)) return Optional.of(cwd.toAbsolutePath());
        try {
            Path jar = Path.of(FleetPrometheus.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            // platform/target/gpufleet.jar (or platform/target/classes) -> the repository root
            Path root = jar.getParent() == null ? null : jar.getParent().getParent();
            if (root != null && root.getParent() != null && Files.isDirectory(root.getParent().resolve("alerts"))) {
                return Optional.of(root.getParent().resolve("alerts"));
            }
        } catch (URISyntaxException | RuntimeException e) {
            // no code source: fall through
        }
        return Optional.empty();
    }

    /** The rule files ({@code *.yml}) directly in a folder, sorted; tests live in a subfolder and are not loaded. */
    public static List<Path> ruleFiles(Optional<Path> dir) {
        if (dir.isEmpty()) return List.of();
        try (Stream<Path> s = Files.list(dir.get())) {
            return s.filter(f -> f.getFileName().toString().endsWith(".yml") && Files.isRegularFile(f)).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
