package io.gpufleet.autoscaler.training;

import io.gpufleet.autoscaler.controller.KubeFixture;
import io.gpufleet.contracts.time.ManualClock;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.gpufleet.autoscaler.actuate.Backoff;
import io.gpufleet.autoscaler.controller.AutoscalerMetrics;
import io.gpufleet.autoscaler.controller.Fabric8DecisionEvents;
import io.gpufleet.autoscaler.controller.FreeGpus;
import io.gpufleet.autoscaler.controller.SpotNodes;
import io.gpufleet.autoscaler.controller.TargetState;
import io.gpufleet.autoscaler.controller.TrainingTargets;
import io.gpufleet.autoscaler.policy.PolicyLoadResult;
import io.gpufleet.autoscaler.policy.PolicyLoader;
import io.gpufleet.autoscaler.policy.ScalingPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PyTorchJobResizerTest {
    static final String NS = "research";
    final KubeFixture kube = new KubeFixture();
    final KubernetesClient client = kube.client;
    final ManualClock clock = kube.clock;
    final AutoscalerMetrics metrics = new AutoscalerMetrics();
    final ScalingPolicy policy = policy("");

    @AfterEach
    void close() {
        kube.close();
    }

    static ScalingPolicy policy(String extra) {
        PolicyLoadResult r = PolicyLoader.load("train.yaml", """
                apiVersion: autoscaling.gpufleet.io/v1
                kind: ScalingPolicy
                metadata: {name: bert, namespace: research}
                spec:
                  targetRef: {kind: PyTorchJob, name: bert}
                  minReplicas: 1
                  maxReplicas: 16
                  metrics:
                    - type: GpuUtilization
                      target: {type: Utilization, averageUtilization: 80}
                %s""".formatted(extra));
        assertTrue(r.ok(), r.errors()::toString);
        return r.policies().get(0);
    }

    /** A PyTorchJob with 1 master, {@code workers} workers of 2 GPUs, elastic 2..8, and its PodGroup. */
    void job(int workers) {
        GenericKubernetesResource job = new GenericKubernetesResource();
        job.setApiVersion("kubeflow.org/v1");
        job.setKind("PyTorchJob");
        job.setMetadata(new ObjectMetaBuilder().withName("bert").withNamespace(NS).build());
        Map<String, Object> container = Map.of("name", "pytorch", "image", "bert:1",
                "resources", Map.of("limits", Map.of("nvidia.com/gpu", "2")));
        Map<String, Object> template = Map.of("spec", Map.of("containers", List.of(container)));
        job.setAdditionalProperty("spec", Map.of(
                "elasticPolicy", Map.of("minReplicas", 2, "maxReplicas", 8, "rdzvBackend", "c10d"),
                "pytorchReplicaSpecs", Map.of(
                        "Master", Map.of("replicas", 1, "template", template),
                        "Worker", Map.of("replicas", workers, "template", template))));
        client.genericKubernetesResources(Fabric8PyTorchJobs.PYTORCH_JOB).inNamespace(NS).resource(job).create();
        GenericKubernetesResource pg = new GenericKubernetesResource();
        pg.setApiVersion("scheduling.x-k8s.io/v1alpha1");
        pg.setKind("PodGroup");
        pg.setMetadata(new ObjectMetaBuilder().withName("bert").withNamespace(NS).build());
        pg.setAdditionalProperty("spec", Map.of("minMember", 1 + workers));
        client.genericKubernetesResources(Fabric8PyTorchJobs.POD_GROUP).inNamespace(NS).resource(pg).create();
        for (int i = 0; i < workers; i++) worker("bert-worker-" + i, "od-1");
    }

    void worker(String name, String node) {
        client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName(name).withNamespace(NS)
                .addToLabels("training.kubeflow.org/job-name", "bert").addToLabels("training.kubeflow.org/replica-type", "worker").endMetadata()
                .withNewSpec().withNodeName(node).addNewContainer().withName("pytorch").withImage("bert:1").endContainer().endSpec()
                .withNewStatus().withPhase("Running").addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus()
                .build()).create();
    }

    void node(String name, boolean spot, boolean preempting) {
        NodeBuilder b = new NodeBuilder().withNewMetadata().withName(name)
                .addToLabels(SpotNodes.CAPACITY_TYPE_LABEL, spot ? "spot" : "on-demand").endMetadata().withNewSpec().endSpec();
        if (preempting) b.editSpec().addNewTaint().withKey(SpotNodes.PREEMPTING_TAINT).withEffect("NoSchedule").endTaint().endSpec();
        client.nodes().resource(b.build()).createOr(n -> n.update());
    }

    int workers() {
        return new Fabric8PyTorchJobs(client).read(NS, "bert").workers();
    }

    int minMember() {
        Map<?, ?> spec = (Map<?, ?>) client.genericKubernetesResources(Fabric8PyTorchJobs.POD_GROUP).inNamespace(NS).withName("bert")
                .get().getAdditionalProperties().get("spec");
        return ((Number) spec.get("minMember")).intValue();
    }

    List<String> events() {
        return client.v1().events().inNamespace(NS).list().getItems().stream().map(e -> e.getReason() + ": " + e.getMessage()).toList();
    }

    PyTorchJobResizer resizer(ElasticJobApi api) {
        return new PyTorchJobResizer(api, clock, metrics, new Fabric8DecisionEvents(client, clock), false, () -> true,
                new PyTorchJobResizer.Settings(Duration.ofMinutes(10), new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(8))));
    }

    static Optional<FreeGpus> free(FreeGpus.Node... nodes) {
        return Optional.of(new FreeGpus(List.of(nodes)));
    }

    @Test
    void growsTheWholeGangOnFreeGpusAtMostOncePerWindow() {
        node("od-1", false, false);
        job(2);
        PyTorchJobResizer r = resizer(new Fabric8PyTorchJobs(client));
        // 3 free GPUs on each of 3 nodes: one 2-GPU worker per node, whatever the total
        TrainingTargets.Result res = r.sync(policy, free(new FreeGpus.Node("a", 3, false), new FreeGpus.Node("b", 3, false),
                new FreeGpus.Node("c", 3, false)), 0);
        assertEquals(5, workers());
        assertEquals(6, minMember(), "1 master + 5 workers: the gang is placed all at once");
        assertEquals(3, res.remaining().orElseThrow().total(), "three GPUs taken, one per node left");
        assertTrue(events().stream().anyMatch(e -> e.startsWith("SuccessfulResize: Workers 2 -> 5")), events()::toString);
        assertTrue(metrics.scrape().contains("gpufleet_autoscaler_resizes_total{policy=\"bert\"} 1.0"), metrics.scrape());
        assertTrue(metrics.scrape().contains("gpufleet_autoscaler_training_workers{job=\"bert\",policy=\"bert\"} 5.0"), metrics.scrape());

        // more GPUs free a minute later: batched, no restart for them yet
        clock.advance(Duration.ofSeconds(60));
        r.sync(policy, free(new FreeGpus.Node("d", 8, false)), 0);
        assertEquals(5, workers());
        clock.advance(Duration.ofSeconds(600));
        r.sync(policy, free(new FreeGpus.Node("d", 8, false)), 0);
        assertEquals(8, workers(), "after the window: straight to the elastic maximum");
        assertEquals(9, minMember());
    }

    @Test
    void nothingGrowsWhenNoWholeWorkerFits() {
        node("od-1", false, false);
        job(2);
        PyTorchJobResizer r = resizer(new Fabric8PyTorchJobs(client));
        r.sync(policy, free(new FreeGpus.Node("a", 1, false), new FreeGpus.Node("b", 1, false)), 0);
        assertEquals(2, workers(), "two single GPUs on two nodes do not hold one 2-GPU worker");
        assertEquals(3, minMember());
    }

    @Test
    void servingThatWantsGpusShrinksTheJobDownToItsMinimumAtOnce() {
        node("od-1", false, false);
        job(5);
        PyTorchJobResizer r = resizer(new Fabric8PyTorchJobs(client));
        TrainingTargets.Result res = r.sync(policy, free(), 3);
        assertEquals(3, workers(), "3 GPUs wanted = two 2-GPU workers");
        assertEquals(4, minMember());
        assertEquals(4, res.gpusReleased());
        clock.advance(Duration.ofSeconds(1));
        r.sync(policy, free(), 100);
        assertEquals(2, workers(), "never below the elastic minimum");
    }

    @Test
    void preemptedWorkersAreReplacedWhenGpusAllowAndShedWhenNot() {
        node("od-1", false, false);
        node("spot-1", true, true);
        job(3);
        worker("bert-worker-3", "spot-1");
        new Fabric8PyTorchJobs(client).setWorkers(NS, "bert", 4);
        PyTorchJobResizer r = resizer(new Fabric8PyTorchJobs(client));
        // the spot node itself shows free GPUs, but it is going away: they do not count
        r.sync(policy, free(new FreeGpus.Node("spot-1", 8, true)), 0);
        assertEquals(3, workers(), "no room for a replacement: shed the preempted worker before it is killed");
        assertEquals(4, minMember());
    }

    @Test
    void aResizeSurvivesTheApiServerFailingAndIsAppliedExactlyOnce() throws Exception {
        node("od-1", false, false);
        job(2);
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        KubernetesClient dead = new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl("http://127.0.0.1:" + closed)
                .withRequestRetryBackoffLimit(0).withRequestRetryBackoffInterval(1).withConnectionTimeout(500).withRequestTimeout(500).build()).build();
        Fabric8PyTorchJobs live = new Fabric8PyTorchJobs(client);
        Fabric8PyTorchJobs down = new Fabric8PyTorchJobs(dead);
        AtomicBoolean writesDown = new AtomicBoolean(true);
        AtomicBoolean readsDown = new AtomicBoolean(false);
        AtomicInteger workerWrites = new AtomicInteger();
        ElasticJobApi api = new ElasticJobApi() {
            @Override public JobSpec read(String ns, String n) { return (readsDown.get() ? down : live).read(ns, n); }
            @Override public List<TargetState.Replica> workers(String ns, String n) { return (readsDown.get() ? down : live).workers(ns, n); }
            @Override public void setWorkers(String ns, String n, int w) {
                (writesDown.get() ? down : live).setWorkers(ns, n, w);
                workerWrites.incrementAndGet();
            }
            @Override public void setGangMinMember(String ns, String n, int m) { (writesDown.get() ? down : live).setGangMinMember(ns, n, m); }
        };
        try (dead) {
            PyTorchJobResizer r = resizer(api);
            r.sync(policy, free(new FreeGpus.Node("a", 4, false)), 0);
            assertEquals(2, workers());
            assertTrue(events().stream().anyMatch(e -> e.startsWith("FailedResize: Workers 2 -> 4")), events()::toString);
            assertTrue(metrics.scrape().contains("gpufleet_autoscaler_actuation_errors_total{policy=\"bert\"} 1.0"), metrics.scrape());

            // the whole API is down now; passes inside the backoff do not even try
            readsDown.set(true);
            TrainingTargets.Result held = r.sync(policy, free(new FreeGpus.Node("a", 8, false)), 0);
            assertEquals(4, held.remaining().orElseThrow().total(), "the two workers of the pending resize keep their 4 GPUs");
            assertTrue(metrics.scrape().contains("gpufleet_autoscaler_actuation_errors_total{policy=\"bert\"} 1.0"));
            clock.advance(Duration.ofSeconds(1));
            r.sync(policy, free(new FreeGpus.Node("a", 8, false)), 0);
            assertTrue(metrics.scrape().contains("gpufleet_autoscaler_actuation_errors_total{policy=\"bert\"} 2.0"), "retried after 1 s");

            // back: the same resize (not a new decision on the larger free count) is applied once
            readsDown.set(false);
            writesDown.set(false);
            clock.advance(Duration.ofSeconds(2));
            r.sync(policy, free(new FreeGpus.Node("a", 8, false)), 0);
            assertEquals(4, workers());
            assertEquals(5, minMember());
            assertEquals(1, workerWrites.get());
            assertTrue(metrics.scrape().contains("gpufleet_autoscaler_resizes_total{policy=\"bert\"} 1.0"));
            clock.advance(Duration.ofSeconds(60));
            r.sync(policy, free(new FreeGpus.Node("a", 8, false)), 0);
            assertEquals(1, workerWrites.get(), "inside the window: nothing re-applied, nothing new");
            assertEquals(4, workers());
        }
    }

    @Test
    void policyBoundsAndCronWindowsNarrowTheElasticRange() {
        node("od-1", false, false);
        job(6);
        ScalingPolicy narrow = policy("  schedules:\n    - {name: day, cron: \"0 0 8 * * *\", timeZone: UTC, duration: 10h, maxReplicas: 3}\n");
        // 12:00 UTC is inside the 08:00-18:00 window: max 3 workers
        PyTorchJobResizer r = resizer(new Fabric8PyTorchJobs(client));
        r.sync(narrow, free(new FreeGpus.Node("a", 8, false)), 0);
        assertEquals(3, workers());
    }
}
