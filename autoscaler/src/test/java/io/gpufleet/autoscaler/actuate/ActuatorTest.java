package io.gpufleet.autoscaler.actuate;

import io.gpufleet.contracts.time.ManualClock;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.gpufleet.autoscaler.policy.ScalingPolicy.TargetKind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ActuatorTest {
    KubernetesMockServer server;
    KubernetesClient client;
    KubernetesClient deadClient;
    final ManualClock clock = new ManualClock(Instant.parse("2026-11-23T12:00:00Z"));

    @BeforeEach
    void start() throws Exception {
        // CRUD mode: the mock keeps objects and serves get/create/update/patch like an API server
        server = new KubernetesMockServer(new io.fabric8.mockwebserver.Context(), new io.fabric8.mockwebserver.MockWebServer(),
                new java.util.HashMap<>(), new io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher(), false);
        server.init();
        client = server.createClient();
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        // an API server that is down: nothing listens there; no client-side retries, short timeouts
        deadClient = new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl("http://127.0.0.1:" + closed)
                .withRequestRetryBackoffLimit(0).withRequestRetryBackoffInterval(1).withConnectionTimeout(500).withRequestTimeout(500).build()).build();
        client.apps().deployments().inNamespace("inference").resource(new DeploymentBuilder()
                .withNewMetadata().withName("llm").withNamespace("inference").endMetadata()
                .withNewSpec().withReplicas(2).withNewSelector().addToMatchLabels("app", "llm").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "llm").endMetadata()
                .withNewSpec().addNewContainer().withName("llm").withImage("llm:1").endContainer().endSpec().endTemplate()
                .endSpec().build()).create();
        client.apps().statefulSets().inNamespace("inference").resource(new StatefulSetBuilder()
                .withNewMetadata().withName("kv").withNamespace("inference").endMetadata()
                .withNewSpec().withReplicas(1).withNewSelector().addToMatchLabels("app", "kv").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "kv").endMetadata()
                .withNewSpec().addNewContainer().withName("kv").withImage("kv:1").endContainer().endSpec().endTemplate()
                .endSpec().build()).create();
    }

    @AfterEach
    void stop() {
        client.close();
        deadClient.close();
        server.destroy();
    }

    int deploymentReplicas() {
        Deployment d = client.apps().deployments().inNamespace("inference").withName("llm").get();
        return d.getSpec().getReplicas();
    }

    @Test
    void scalesDeploymentsAndStatefulSetsThroughTheScaleSubresource() {
        Actuator a = new Actuator(new Fabric8ScaleApi(client), clock, false, Duration.ofSeconds(1), Duration.ofSeconds(60));
        a.submit(new ScaleAction("inference", TargetKind.Deployment, "llm", 7, "test"));
        a.submit(new ScaleAction("inference", TargetKind.StatefulSet, "kv", 3, "test"));
        assertEquals(7, deploymentReplicas());
        assertEquals(3, client.apps().statefulSets().inNamespace("inference").withName("kv").get().getSpec().getReplicas());
        assertEquals(7, a.current("inference", TargetKind.Deployment, "llm"));
        assertEquals(new Actuator.Stats(2, 0, 0, 0, 0), a.stats());
        assertThrows(IllegalArgumentException.class, () -> new Fabric8ScaleApi(client).setReplicas("x", TargetKind.PyTorchJob, "j", 2));
    }

    @Test
    void dryRunChangesNothing() {
        Actuator a = new Actuator(new Fabric8ScaleApi(client), clock, true, Duration.ofSeconds(1), Duration.ofSeconds(60));
        a.submit(new ScaleAction("inference", TargetKind.Deployment, "llm", 9, "test"));
        assertEquals(2, deploymentReplicas());
        assertEquals(1, a.stats().dryRun());
    }

    @Test
    void apiServerDownThenBackNoActionLostOrDoubled() {
        // the API is the real fabric8 client; it talks to a dead endpoint until the server "comes back"
        boolean[] up = {false};
        AtomicInteger sets = new AtomicInteger();
        Fabric8ScaleApi live = new Fabric8ScaleApi(client);
        Fabric8ScaleApi dead = new Fabric8ScaleApi(deadClient);
        ScaleApi api = new ScaleApi() {
            @Override public int replicas(String ns, TargetKind k, String n) { return (up[0] ? live : dead).replicas(ns, k, n); }
            @Override public void setReplicas(String ns, TargetKind k, String n, int r) {
                (up[0] ? live : dead).setReplicas(ns, k, n, r);
                sets.incrementAndGet();
            }
        };
        Actuator a = new Actuator(api, clock, false, Duration.ofSeconds(1), Duration.ofSeconds(8));
        a.submit(new ScaleAction("inference", TargetKind.Deployment, "llm", 5, "load rose"));
        assertEquals(1, a.stats().failures());
        assertEquals(1, a.stats().pending());
        a.flush(); // still inside the 1-s backoff: no attempt
        assertEquals(1, a.stats().failures());
        clock.advance(Duration.ofSeconds(1));
        a.flush();
        assertEquals(2, a.stats().failures());
        assertEquals(Duration.ofSeconds(2), a.backoff(2));
        assertEquals(Duration.ofSeconds(8), a.backoff(10));
        // a newer decision during the outage replaces the pending one
        a.submit(new ScaleAction("inference", TargetKind.Deployment, "llm", 6, "load rose more"));
        assertEquals(1, a.stats().superseded());
        assertEquals(1, a.stats().pending());
        assertEquals(2, deploymentReplicas());
        up[0] = true;
        clock.advance(Duration.ofSeconds(1));
        a.flush();
        assertEquals(6, deploymentReplicas(), "the latest intent is applied once the API is back");
        assertEquals(0, a.stats().pending());
        assertEquals(1, a.stats().applied());
        assertEquals(1, sets.get(), "exactly one successful update");
        a.flush();
        clock.advance(Duration.ofSeconds(60));
        a.flush();
        assertEquals(1, a.stats().applied(), "nothing is re-applied");
        assertEquals(6, deploymentReplicas());
    }
}
