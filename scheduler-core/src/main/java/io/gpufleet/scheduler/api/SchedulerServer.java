package io.gpufleet.scheduler.api;

import io.gpufleet.scheduler.bench.SyntheticCluster;
import io.gpufleet.scheduler.faults.FaultStreamListener;
import io.gpufleet.scheduler.framework.Profile;
import io.gpufleet.scheduler.kube.KubeScheduler;
import io.gpufleet.scheduler.model.Node;
import io.gpufleet.scheduler.quota.QuotaSpec;
import io.gpufleet.scheduler.quota.Resources;
import io.vertx.core.Vertx;
import java.io.PrintStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler as a process: the decision loop, the HTTP API and either an embedded simulated cluster (default)
 * or Kubernetes mode ({@code --kube}). Options: {@link ServerConfig}. Wired as
 * {@code ./fleet scheduler --port <port> --tokens <file> [--kube]} through {@link #run}.
 */
public final class SchedulerServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SchedulerServer.class);

    private final ServerConfig config;
    private final Vertx vertx;
    private final SchedulerService service;
    private final DecisionLoop loop;
    private final ApiServer api;
    private final KubeScheduler kube;
    private final FaultStreamListener faults;
    private final int port;

    private SchedulerServer(ServerConfig config, SchedulerService service, KubeScheduler.Factory kubeFactory) {
        this.config = config;
        TokenFile tokens = config.tokensFile() == null ? null : TokenFile.load(config.tokensFile());
        this.service = service;
        this.loop = new DecisionLoop(service).start(config.tick());
        this.vertx = Vertx.vertx();
        KubeScheduler k = null;
        try {
            if (config.kube()) {
                service.kubernetesMode(true);
                k = kubeFactory.create(loop, service.metrics(), config.schedulerName());
                k.begin();
            }
            KubeScheduler kk = k;
            this.api = new ApiServer(vertx, loop, service.metrics(), tokens, config, kk == null ? () -> true : kk::acting);
            this.port = api.start();
        } catch (RuntimeException e) {
            if (k != null) k.close();
            loop.close();
            vertx.close();
            throw e;
        }
        this.kube = k;
        // Off the critical path: the listener connects (and retries) on its own thread, so an absent broker
        // never stops the scheduler from serving.
        this.faults = config.faultsEnabled()
                ? new FaultStreamListener(config.faultsBootstrap(), loop, service.metrics().registry()).start() : null;
        if (tokens == null) LOG.warn("no --tokens file: the API is open to anyone who can reach port {} (development only)", port);
    }

    /** Starts the server in embedded mode over a simulated fleet ({@code config.nodes()} nodes of 8 GPUs). */
    public static SchedulerServer start(ServerConfig config) {
        if (config.kube()) return start(config, KubeScheduler::fromEnvironment);
        return new SchedulerServer(config, embedded(config, Clock.systemUTC()), null);
    }

    /** Starts in Kubernetes mode with the given client factory (tests pass the mock server's client). */
    public static SchedulerServer start(ServerConfig config, KubeScheduler.Factory kube) {
        SchedulerService s = new SchedulerService(List.of(), List.of(), config.profile(), Clock.systemUTC(), new SchedulerMetrics());
        return new SchedulerServer(config, s, kube);
    }

    /**
     * The embedded cluster: {@link SyntheticCluster#mixed} nodes and a small quota tree ({@code research} with
     * {@code team-a} and {@code team-b}, each guaranteed a quarter of the GPUs and capped at three quarters).
     */
    public static SchedulerService embedded(ServerConfig config, Clock clock) {
        List<Node> nodes = SyntheticCluster.mixed(config.nodes(), config.seed());
        long gpus = 0;
        for (Node n : nodes) gpus += n.gpus().size();
        long quarter = Math.max(1, gpus / 4);
        List<SchedulerService.QuotaEntry> quotas = new ArrayList<>();
        quotas.add(new SchedulerService.QuotaEntry(new QuotaSpec("research", null, Resources.ofGpus(2 * quarter, 0, 0), Resources.UNLIMITED), null));
        for (String team : List.of("team-a", "team-b")) {
            quotas.add(new SchedulerService.QuotaEntry(new QuotaSpec(team, "research", Resources.ofGpus(quarter, 0, 0),
                    new Resources(3 * quarter * 1000, Long.MAX_VALUE, Long.MAX_VALUE)), team));
        }
        return new SchedulerService(nodes, quotas, config.profile(), clock, new SchedulerMetrics());
    }

    public int port() {
        return port;
    }

    public DecisionLoop loop() {
        return loop;
    }

    public String url() {
        return (config.tlsCert() != null ? "https" : "http") + "://" + ("0.0.0.0".equals(config.host()) ? "localhost" : config.host()) + ":" + port;
    }

    /** The fault stream listener, or null without {@code --faults-bootstrap}. */
    public FaultStreamListener faults() {
        return faults;
    }

    @Override
    public void close() {
        if (faults != null) faults.close();
        api.close();
        if (kube != null) kube.close();
        loop.close();
        try {
            vertx.close().await();
        } catch (Exception e) {
            LOG.debug("closing Vert.x: {}", e.getMessage());
        }
    }

    /**
     * {@code fleet scheduler [options]}: starts and serves until the process is stopped. Returns 2 on a bad option
     * (message printed), 1 when it cannot start.
     */
    public static int run(String[] args, PrintStream out) {
        ServerConfig config;
        try {
            config = ServerConfig.parse(args);
        } catch (IllegalArgumentException e) {
            out.println("fleet scheduler: " + e.getMessage());
            out.println("options: --port N --host H --tokens FILE --tls-cert PEM --tls-key PEM --kube --scheduler-name NAME"
                    + " --nodes N --seed N --body-limit BYTES --tick-ms MS --extender-open --faults-bootstrap HOST:PORT"
                    + " --profile FILE");
            return 2;
        }
        SchedulerServer s;
        try {
            s = start(config);
        } catch (RuntimeException e) {
            out.println("fleet scheduler: cannot start: " + e.getMessage());
            return 1;
        }
        out.println("gpufleet scheduler " + (config.kube() ? "(Kubernetes mode)" : "(embedded, " + config.nodes() + " simulated nodes)")
                + " listening on " + s.url());
        out.println("  REST API  " + s.url() + "/api/v1/jobs   OpenAPI " + s.url() + "/api/v1/openapi.json");
        out.println("  extender  " + s.url() + "/scheduler/{filter,prioritize,bind,preempt}   metrics " + s.url() + "/metrics");
        if (config.faultsEnabled()) out.println("  faults    following gpufleet.faults on " + config.faultsBootstrap());
        out.println("  profile   " + (config.profileFile() == null ? "default (built in)" : config.profileFile()));
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            s.close();
            stop.countDown();
        }, "gpufleet-scheduler-shutdown"));
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            s.close();
        }
        return 0;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out));
    }
}
