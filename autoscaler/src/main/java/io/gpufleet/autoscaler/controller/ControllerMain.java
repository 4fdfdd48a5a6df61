package io.gpufleet.autoscaler.controller;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.gpufleet.autoscaler.actuate.Actuator;
import io.gpufleet.autoscaler.actuate.Fabric8ScaleApi;
import io.gpufleet.autoscaler.actuate.LeaderGate;
import io.gpufleet.autoscaler.policy.PolicyError;
import io.gpufleet.autoscaler.policy.PolicyLoadResult;
import io.gpufleet.autoscaler.policy.PolicyLoader;
import io.gpufleet.autoscaler.policy.ScalingPolicy;
import io.gpufleet.autoscaler.policy.ScalingPolicy.MetricSource;
import io.gpufleet.autoscaler.policy.ScalingPolicy.MetricSpec;
import io.gpufleet.autoscaler.policy.ScalingPolicy.TargetKind;
import io.gpufleet.autoscaler.training.Fabric8PyTorchJobs;
import io.gpufleet.autoscaler.training.PyTorchJobResizer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.CountDownLatch;

/**
 * The autoscaler process: {@link #run(String[], PrintStream)} for the {@code fleet} command tree (blocks; 2 on a
 * bad option or policy, 1 when it cannot start), {@link #start(ControllerConfig, PrintStream)} for a running
 * instance to embed or test.
 */
public final class ControllerMain implements AutoCloseable {
    private final AutoscalerController controller;
    private final HttpServer http;
    private final KubernetesClient client;
    private final Optional<LeaderGate> leader;
    private final Optional<SignalStreamListener> stream;

    private ControllerMain(AutoscalerController controller, HttpServer http, KubernetesClient client, Optional<LeaderGate> leader,
                           Optional<SignalStreamListener> stream) {
        this.stream = stream;
        this.controller = controller;
        this.http = http;
        this.client = client;
        this.leader = leader;
    }

    public static int run(String[] args, PrintStream out) {
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            out.print(ControllerConfig.USAGE);
            return 0;
        }
        ControllerConfig config;
        List<ScalingPolicy> policies;
        try {
            config = ControllerConfig.parse(args);
            policies = load(config);
        } catch (IllegalArgumentException e) {
            out.println("autoscaler: " + e.getMessage());
            return 2;
        }
        ControllerMain running;
        try {
            running = start(config, policies, out);
        } catch (RuntimeException e) {
            out.println("autoscaler: cannot start: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            running.close();
            stopped.countDown();
        }, "gpufleet-autoscaler-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running.close();
        }
        return 0;
    }

    /** Loads and checks the policies against the configuration; throws with every problem named. */
    static List<ScalingPolicy> load(ControllerConfig config) {
        PolicyLoadResult r = Files.isDirectory(config.policies())
                ? PolicyLoader.loadDirectory(config.policies()) : PolicyLoader.load(config.policies());
        List<String> problems = new ArrayList<>();
        for (PolicyError e : r.errors()) problems.add(e.toString());
        for (ScalingPolicy p : r.policies()) {
            if (p.target().kind() == TargetKind.TrainingJob) {
                problems.add(p.namespace() + "/" + p.name() + ": spec.targetRef.kind: TrainingJob is not resized by the controller yet; use PyTorchJob");
            }
            for (int i = 0; i < p.metrics().size(); i++) {
                MetricSpec m = p.metrics().get(i);
                String where = p.namespace() + "/" + p.name() + ": spec.metrics[" + i + "]";
                if (m.source() != MetricSource.Signal && config.prometheusUrl().isEmpty()) {
                    problems.add(where + ": type " + m.source() + " needs --prometheus-url");
                }
                if (m.source() == MetricSource.Signal && config.signalsBootstrap().isEmpty()) {
                    problems.add(where + ": type Signal needs --signals-bootstrap");
                }
                if (m.source() == MetricSource.Signal && !WorkloadSignals.NAMES.contains(m.name())) {
                    problems.add(where + ".signal.name: unknown signal '" + m.name() + "', use one of " + WorkloadSignals.NAMES);
                }
            }
        }
        if (!problems.isEmpty()) throw new IllegalArgumentException(String.join("\n", problems));
        if (r.policies().isEmpty()) throw new IllegalArgumentException("--policies: " + config.policies() + " holds no ScalingPolicy");
        return r.policies();
    }

    /** Starts a controller with its metrics endpoint and (unless disabled) leader election. */
    public static ControllerMain start(ControllerConfig config, List<ScalingPolicy> policies, PrintStream out) {
        Clock clock = Clock.systemUTC();
        KubernetesClient client = config.kubeconfig().map(k -> {
            try {
                return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(Files.readString(k))).build();
            } catch (IOException e) {
                throw new IllegalArgumentException("--kubeconfig: " + k + ": " + e.getMessage());
            }
        }).orElseGet(() -> new KubernetesClientBuilder().build());
        Optional<LeaderGate> leader = config.leaderElection() && !config.dryRun()
                ? Optional.of(new LeaderGate(client, config.leaseNamespace().orElse(Optional.ofNullable(client.getNamespace()).orElse("default")),
                "gpufleet-autoscaler", config.identity(), Duration.ofSeconds(15)).start())
                : Optional.empty();
        Actuator actuator = new Actuator(new Fabric8ScaleApi(client), clock, config.dryRun(), Duration.ofSeconds(1),
                Duration.ofMinutes(2), leader.isPresent() ? leader.get() : () -> true);
        SignalSource prometheus = config.prometheusUrl().<SignalSource>map(u -> new PrometheusSignalSource(u, Duration.ofSeconds(5)))
                .orElse(NO_SIGNALS);
        WorkloadSignals signals = new WorkloadSignals(prometheus, clock, Duration.ofMinutes(2));
        AutoscalerMetrics metrics = new AutoscalerMetrics();
        Optional<SignalStreamListener> stream = config.signalsBootstrap().map(b -> new SignalStreamListener(b, signals, metrics).start());
        Optional<GpuCapacity> capacity = config.schedulerUrl().map(u -> new SchedulerGpuCapacity(u,
                config.schedulerTokenFile().map(ControllerMain::token), Duration.ofSeconds(5)));
        DecisionEvents events = new Fabric8DecisionEvents(client, clock);
        Optional<TrainingTargets> training = Optional.of(new PyTorchJobResizer(new Fabric8PyTorchJobs(client), clock, metrics, events,
                config.dryRun(), leader.isPresent() ? leader.get() : () -> true, PyTorchJobResizer.Settings.defaults()));
        AutoscalerController controller = new AutoscalerController(policies, new Fabric8Workloads(client), signals,
                actuator, capacity, events, metrics, clock, training);
        HttpServer http;
        try {
            http = HttpServer.create(new InetSocketAddress(config.metricsPort()), 0);
        } catch (IOException e) {
            stream.ifPresent(SignalStreamListener::close);
            leader.ifPresent(LeaderGate::close);
            client.close();
            throw new IllegalStateException("--metrics-port " + config.metricsPort() + ": " + e.getMessage(), e);
        }
        http.createContext("/metrics", ex -> {
            byte[] body = metrics.scrape().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", metrics.contentType());
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(body);
            }
        });
        http.createContext("/healthz", ex -> {
            byte[] body = "ok\n".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(body);
            }
        });
        http.start();
        controller.start(config.period());
        out.printf("autoscaler: %d policies, metrics on :%d/metrics, pass every %s%s%n", policies.size(),
                http.getAddress().getPort(), config.period(), config.dryRun() ? ", dry-run" : "");
        return new ControllerMain(controller, http, client, leader, stream);
    }

    private static String token(Path f) {
        try {
            return Files.readString(f).trim();
        } catch (IOException e) {
            throw new IllegalArgumentException("--scheduler-token-file: " + f + ": " + e.getMessage());
        }
    }

    /** No Prometheus configured: per-replica and query metrics are missing (policies using them are refused). */
    private static final SignalSource NO_SIGNALS = new SignalSource() {
        @Override
        public Map<String, Double> perReplica(ScalingPolicy policy, MetricSpec metric, List<String> pods) {
            return Map.of();
        }

        @Override
        public OptionalDouble total(ScalingPolicy policy, MetricSpec metric) {
            return OptionalDouble.empty();
        }
    };

    public int metricsPort() {
        return http.getAddress().getPort();
    }

    public AutoscalerController controller() {
        return controller;
    }

    @Override
    public void close() {
        controller.stop();
        stream.ifPresent(SignalStreamListener::close);
        http.stop(0);
        leader.ifPresent(LeaderGate::close);
        client.close();
    }
}
