package io.gpufleet.autoscaler.controller;

import io.gpufleet.contracts.time.ManualClock;
import java.time.Duration;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.gpufleet.autoscaler.policy.PolicyLoadResult;
import io.gpufleet.autoscaler.policy.PolicyLoader;
import io.gpufleet.autoscaler.policy.ScalingPolicy;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** fabric8's mock API server in CRUD mode, a hand-driven clock, and builders for the objects the tests need. */
public final class KubeFixture implements AutoCloseable {
    public final KubernetesMockServer server;
    public final KubernetesClient client;
    public final ManualClock clock = new ManualClock(Instant.parse("2026-11-23T12:00:00Z"));

    public KubeFixture() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init();
        client = server.createClient();
    }

    public void advance(long seconds) {
        clock.advance(Duration.ofSeconds(seconds));
    }

    static ScalingPolicy policy(String yaml) {
        PolicyLoadResult r = PolicyLoader.load("test.yaml", yaml);
        assertTrue(r.ok(), r.errors()::toString);
        return r.policies().get(0);
    }

    void deployment(String ns, String name, int replicas, int gpus) {
        client.apps().deployments().inNamespace(ns).resource(new DeploymentBuilder()
                .withNewMetadata().withName(name).withNamespace(ns).endMetadata()
                .withNewSpec().withReplicas(replicas).withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
                .withNewSpec().addNewContainer().withName(name).withImage(name + ":1")
                .withNewResources().addToLimits("nvidia.com/gpu", new Quantity(Integer.toString(gpus))).endResources()
                .endContainer().endSpec().endTemplate().endSpec().build()).create();
    }

    int replicas(String ns, String name) {
        return client.apps().deployments().inNamespace(ns).withName(name).get().getSpec().getReplicas();
    }

    /** A pod of the deployment: Running and Ready on {@code node}, or Pending without a node when node is empty. */
    void pod(String ns, String app, String name, String node) {
        boolean placed = !node.isEmpty();
        client.pods().inNamespace(ns).resource(new PodBuilder()
                .withNewMetadata().withName(name).withNamespace(ns).addToLabels("app", app).endMetadata()
                .withNewSpec().withNodeName(placed ? node : null).addNewContainer().withName(app).withImage(app + ":1").endContainer().endSpec()
                .withNewStatus().withPhase(placed ? "Running" : "Pending")
                .addNewCondition().withType("Ready").withStatus(placed ? "True" : "False").endCondition().endStatus()
                .build()).create();
    }

    void deletePod(String ns, String name) {
        client.pods().inNamespace(ns).withName(name).delete();
    }

    void node(String name, boolean spot, boolean preempting) {
        NodeBuilder b = new NodeBuilder().withNewMetadata().withName(name)
                .addToLabels(SpotNodes.CAPACITY_TYPE_LABEL, spot ? "spot" : "on-demand").endMetadata().withNewSpec().endSpec();
        if (preempting) b.editSpec().addNewTaint().withKey(SpotNodes.PREEMPTING_TAINT).withEffect("NoSchedule").endTaint().endSpec();
        client.nodes().resource(b.build()).createOr(n -> n.update());
    }

    /** Events recorded on the object, as "reason: message". */
    List<String> events(String ns, String objectName) {
        return client.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> objectName.equals(e.getInvolvedObject().getName()))
                .map(e -> e.getReason() + ": " + e.getMessage()).toList();
    }

    Map<String, String> annotations(String ns, String pod) {
        Map<String, String> a = client.pods().inNamespace(ns).withName(pod).get().getMetadata().getAnnotations();
        return a == null ? Map.of() : a;
    }

    @Override
    public void close() {
        client.close();
        server.destroy();
    }
}
