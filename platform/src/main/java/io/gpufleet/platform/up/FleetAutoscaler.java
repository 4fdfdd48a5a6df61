package io.gpufleet.platform.up;

import com.sun.net.httpserver.HttpServer;
import io.gpufleet.autoscaler.actuate.Actuator;
import io.gpufleet.autoscaler.actuate.Backoff;
import io.gpufleet.autoscaler.controller.AutoscalerController;
import io.gpufleet.autoscaler.controller.AutoscalerMetrics;
import io.gpufleet.autoscaler.controller.DecisionEvents;
import io.gpufleet.autoscaler.controller.SchedulerGpuCapacity;
import io.gpufleet.autoscaler.policy.PolicyLoadResult;
import io.gpufleet.autoscaler.policy.PolicyLoader;
import io.gpufleet.autoscaler.training.PyTorchJobResizer;
import io.gpufleet.scheduler.api.DecisionLoop;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The autoscaler in {@code fleet up}: gpufleet's {@link AutoscalerController} running the default inference
 * {@link #policyYaml policy} over the {@link InferenceDeployment} and the default elastic training
 * {@link #trainingPolicyYaml policy} over the {@link ElasticTraining} job (through the autoscaler's
 * {@link PyTorchJobResizer}), with the scheduler's REST API as its source of free GPUs, and its Prometheus metrics
 * on their own port.
 */
final class FleetAutoscaler implements AutoCloseable {
    /** How often the controller decides; short, as the simulated day is. */
    static final Duration PASS = Duration.ofSeconds(5);
    /** Target GPU utilization per replica, percent. */
    static final int TARGET_UTILIZATION = 60;

    private final InferenceDeployment deployment;
    private final ElasticTraining training;
    private final AutoscalerController controller;
    private final AutoscalerMetrics metrics = new AutoscalerMetrics();
    private final HttpServer http;
    private final ScheduledExecutorService load;
    private final AtomicLong rescales = new AtomicLong(), resizes = new AtomicLong();
    private final AtomicReference<String> last = new AtomicReference<>("");

    /**
     * @param peakLoad load at the simulated midday, in replicas' worth of work
     * @param day      length of the simulated day
     */
    FleetAutoscaler(DecisionLoop loop, PlacedWork work, String schedulerUrl, double peakLoad, Duration day, long seed,
                        String bindAddress, int port) throws IOException {
        int max = (int) Math.ceil(peakLoad * 100 / TARGET_UTILIZATION) + 2;
        PolicyLoadResult loaded = PolicyLoader.load("fleet-up-policies.yaml", policyYaml(max) + "---\n" + trainingPolicyYaml());
        if (!loaded.ok()) throw new IllegalStateException("default policies: " + loaded.errors());
        deployment = new InferenceDeployment(loop, work, new DemandCurve(day, 0.15 * peakLoad, peakLoad, seed), 1, System::nanoTime);
        training = new ElasticTraining(loop, work, ElasticTraining.MIN);
        DecisionEvents events = (p, warning, reason, message) -> {
            if (reason.equals(DecisionEvents.SUCCESSFUL_RESCALE)) rescales.incrementAndGet();
            if (reason.equals(DecisionEvents.SUCCESSFUL_RESIZE)) resizes.incrementAndGet();
            last.set(reason + ": " + message);
        };
        // growth of the training job on free GPUs at most once a minute: the compressed day's pace
        PyTorchJobResizer resizer = new PyTorchJobResizer(training, Clock.systemUTC(), metrics, events, false, () -> true,
                new PyTorchJobResizer.Settings(Duration.ofMinutes(1), new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30))));
        controller = new AutoscalerController(loaded.policies(), deployment, deployment,
                new Actuator(deployment, Clock.systemUTC(), false, Duration.ofSeconds(1), Duration.ofSeconds(30)),
                Optional.of(new SchedulerGpuCapacity(URI.create(schedulerUrl), Optional.empty(), Duration.ofSeconds(5))),
                events, metrics, Clock.systemUTC(), Optional.of(resizer));
        http = HttpServer.create(new InetSocketAddress(bindAddress, port), 0);
        http.createContext("/metrics", ex -> {
            byte[] body = metrics.scrape().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", metrics.contentType());
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(body);
            }
        });
        http.start();
        load = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "gpufleet-up-inference-load");
            t.setDaemon(true);
            return t;
        });
        // the replicas' load follows the curve between the controller's passes
        load.scheduleWithFixedDelay(() -> {
            try {
                deployment.retune();
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(FleetAutoscaler.class).warn("inference load: {}", e.toString());
            }
        }, 1, 1, TimeUnit.SECONDS);
    }

    /** The first pass now (before other work fills the fleet), then one every {@link #PASS}. */
    FleetAutoscaler start() {
        controller.tick();
        controller.start(PASS);
        return this;
    }

    /**
     * The default elastic training policy (platform/README.md): {@value ElasticTraining#NAMESPACE}/{@value
     * ElasticTraining#NAME} between {@value ElasticTraining#MIN} and {@value ElasticTraining#MAX} workers, grown on
     * free GPUs and shrunk when serving needs them.
     */
    static String trainingPolicyYaml() {
        return String.format(Locale.ROOT, """
                apiVersion: autoscaling.gpufleet.io/v1
                kind: ScalingPolicy
                metadata: {name: %s, namespace: %s}
                spec:
                  targetRef: {apiVersion: kubeflow.org/v1, kind: PyTorchJob, name: %s}
                  minReplicas: %d
                  maxReplicas: %d
                  metrics:
                    - type: Signal
                      signal: {name: gpu_utilization}
                      target: {type: Value, value: 1}
                """, ElasticTraining.NAME, ElasticTraining.NAMESPACE, ElasticTraining.NAME, ElasticTraining.MIN, ElasticTraining.MAX);
    }

    /**
     * The default policy (platform/README.md): GPU utilization at {@value #TARGET_UTILIZATION}% per replica, up by at
     * most 2 replicas and down by 1 per 10 s, a 30 s scale-down window: HPA's algorithm on a day compressed to minutes.
     */
    static String policyYaml(int maxReplicas) {
        return String.format(Locale.ROOT, """
                apiVersion: autoscaling.gpufleet.io/v1
                kind: ScalingPolicy
                metadata: {name: chat-serving, namespace: %s}
                spec:
                  targetRef: {kind: Deployment, name: %s}
                  minReplicas: 1
                  maxReplicas: %d
                  metrics:
                    - type: GpuUtilization
                      target: {type: Utilization, averageUtilization: %d}
                  behavior:
                    scaleUp: {stabilizationWindowSeconds: 0, policies: [{type: Pods, value: 2, periodSeconds: 10}]}
                    scaleDown: {stabilizationWindowSeconds: 30, policies: [{type: Pods, value: 1, periodSeconds: 10}]}
                """, InferenceDeployment.NAMESPACE, InferenceDeployment.NAME, maxReplicas, TARGET_UTILIZATION);
    }

    int port() {
        return http.getAddress().getPort();
    }

    /** E.g. {@code chat 3/4 replicas for load 2.1, 5 rescales; llm-pretrain 4 workers, 2 resizes}. */
    String summary() {
        int[] r = deployment.replicaCounts();
        return String.format(Locale.ROOT, "%s %d/%d replicas running for load %.1f, %d rescales; %s %d workers, %d resizes",
                InferenceDeployment.NAME, r[1], r[0], deployment.load(), rescales.get(), ElasticTraining.NAME,
                training.counts()[0], resizes.get());
    }

    long rescales() {
        return rescales.get();
    }

    /** The last event the controller recorded (reason: message), or empty. */
    String lastEvent() {
        return last.get();
    }

    @Override
    public void close() {
        controller.close();
        load.shutdownNow();
        http.stop(0);
    }
}
