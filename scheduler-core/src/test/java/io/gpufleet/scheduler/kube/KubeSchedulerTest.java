package io.gpufleet.scheduler.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.gpufleet.contracts.GpuAssignment;
import io.gpufleet.contracts.ResourceNames;
import io.gpufleet.scheduler.api.DecisionLoop;
import io.gpufleet.scheduler.api.SchedulerMetrics;
import io.gpufleet.scheduler.api.SchedulerService;
import io.gpufleet.scheduler.framework.Profile;
import io.gpufleet.scheduler.model.Allocation;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Kubernetes mode against fabric8's mock API server in CRUD mode. The CRUD mock has no pods/binding subresource,
 * so the binding path has an explicit expectation that records the request and, like the real API server, sets
 * the pod's nodeName.
 */
class KubeSchedulerTest {
    private Map<ServerRequest, Queue<ServerResponse>> responses;
    private KubernetesMixedDispatcher dispatcher;
    private KubernetesMockServer server;
    private KubernetesClient client;
    private final Map<String, String> bindings = new ConcurrentHashMap<>();
    private final List<AutoCloseable> closeLast = new ArrayList<>();

    private static final List<CustomResourceDefinitionContext> CRDS = List.of(
            crd("scheduling.x-k8s.io", "PodGroup", "podgroups", true),
            crd("scheduling.x-k8s.io", "ElasticQuota", "elasticquotas", true),
            crd("gpufleet.io", "GpuQuotaTree", "gpuquotatrees", false));

    private static CustomResourceDefinitionContext crd(String group, String kind, String plural, boolean namespaced) {
        return new CustomResourceDefinitionContext.Builder().withGroup(group).withVersion("v1alpha1").withKind(kind)
                .withPlural(plural).withScope(namespaced ? "Namespaced" : "Cluster").build();
    }

    @BeforeEach
    void start() {
        responses = new HashMap<>();
        dispatcher = new KubernetesMixedDispatcher(responses, CRDS);
        server = newServer(0);
        client = fastClient();
    }

    private KubernetesMockServer newServer(int port) {
        KubernetesMockServer s = new KubernetesMockServer(new Context(), new MockWebServer(), responses, dispatcher, false);
        if (port == 0) s.init();
        else s.init(InetAddress.getLoopbackAddress(), port);
        expectBindings(s, 0);
        return s;
    }

    /** Binding expectations; the first {@code failures} bindings of train-0 answer 500 as an API server in trouble. */
    private void expectBindings(KubernetesMockServer s, int failures) {
        if (failures > 0) {
            s.expect().post().withPath("/api/v1/namespaces/ml/pods/train-0/binding")
                    .andReturn(500, "{\"kind\":\"Status\",\"code\":500,\"message\":\"etcd unavailable\"}").times(failures);
        }
        s.expect().post().withPath("/api/v1/namespaces/ml/pods/train-0/binding").andReply(201, r -> bind(r.getBody().readUtf8())).always();
        for (int i = 0; i < 4; i++) {
            s.expect().post().withPath("/api/v1/namespaces/ml/pods/gang-" + i + "/binding").andReply(201, r -> bind(r.getBody().readUtf8())).always();
            s.expect().post().withPath("/api/v1/namespaces/ml/pods/late-" + i + "/binding").andReply(201, r -> bind(r.getBody().readUtf8())).always();
        }
    }

    /** Records the Binding and sets nodeName as the API server would (on another thread: the mock is single-threaded). */
    private Object bind(String body) {
        String name = body.replaceAll(".*\"metadata\":\\{\"name\":\"([^\"]+)\".*", "$1");
        String node = body.replaceAll(".*\"target\":\\{[^}]*\"name\":\"([^\"]+)\".*", "$1");
        bindings.put(name, node);
        new Thread(() -> client.pods().inNamespace("ml").withName(name)
                .edit(p -> new PodBuilder(p).editSpec().withNodeName(node).endSpec().build())).start();
        return "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Success\",\"code\":201}";
    }

    private KubernetesClient fastClient() {
        Config base = server.createClient().getConfiguration();
        // A generous request timeout: the mock server's single event loop can stall for seconds on a loaded
        // machine when another client drops its watches (a replica losing its lease does exactly that).
        Config cfg = new ConfigBuilder(base).withWatchReconnectInterval(100).withWatchReconnectLimit(-1)
                .withRequestRetryBackoffLimit(0).withRequestTimeout(30_000).build();
        return new KubernetesClientBuilder().withConfig(cfg).build();
    }

    @AfterEach
    void stop() throws Exception {
        // Server first: a client that closes its watches first can block the mock server's event loop and stall
        // its shutdown past the timeout on a loaded machine.
        try {
            server.destroy();
        } catch (IllegalStateException slowShutdown) {
            // The mock server waits a fixed 10 s for its event loop; under heavy load that can pass. The test's
            // assertions already ran; a slow teardown of the mock is not a scheduler failure.
            System.err.println("mock API server shut down slowly: " + slowShutdown.getMessage());
        }
        for (int i = closeLast.size() - 1; i >= 0; i--) closeLast.get(i).close();
        client.close();
    }

    /** A scheduler in Kubernetes mode on its own client. */
    private record Running(SchedulerService service, DecisionLoop loop, KubeScheduler kube, KubernetesClient client) implements AutoCloseable {
        @Override
        public void close() {
            kube.close();
            loop.close();
            client.close();
        }

        <T> T call(java.util.function.Function<SchedulerService, T> f) {
            return loop.call(f).join();
        }
    }

    private Running scheduler() {
        return scheduler(null);
    }

    private Running scheduler(KubeScheduler.Lease lease) {
        SchedulerService svc = new SchedulerService(List.of(), List.of(), Profile.defaultProfile(), Clock.systemUTC(), new SchedulerMetrics());
        svc.kubernetesMode(true);
        DecisionLoop loop = new DecisionLoop(svc).start(Duration.ofMillis(50));
        KubernetesClient c = fastClient();
        KubeScheduler k = new KubeScheduler(c, false, loop, svc.metrics(), "gpufleet");
        if (lease == null) k.start();
        else k.startWithLeaderElection(lease);
        Running r = new Running(svc, loop, k, c);
        closeLast.add(r);
        return r;
    }

    static Node node(String name, int gpus) {
        StringBuilder inv = new StringBuilder("[");
        for (int i = 0; i < gpus; i++) {
            inv.append(i == 0 ? "" : ",").append("{\"uuid\":\"GPU-").append(name).append('-').append(i).append("\",\"index\":").append(i)
                    .append(",\"model\":\"A100-SXM4-80GB\",\"memoryMiB\":81920,\"numaNode\":").append(i / 4)
                    .append(",\"pcieSwitch\":").append(i / 2).append('}');
        }
        inv.append(']');
        return new NodeBuilder().withNewMetadata().withName(name).addToAnnotations(NodeInventory.GPUS_ANNOTATION, inv.toString()).endMetadata()
                .withNewStatus().addToAllocatable("cpu", new Quantity("64")).addToAllocatable("memory", new Quantity("512Gi"))
                .addToAllocatable("nvidia.com/gpu", new Quantity(String.valueOf(gpus))).endStatus().build();
    }

    static Pod pod(String name, int gpus, String podGroup) {
        PodBuilder b = new PodBuilder().withNewMetadata().withName(name).withNamespace("ml").endMetadata()
                .withNewSpec().withSchedulerName("gpufleet").addNewContainer().withName("main").withImage("trainer")
                .withNewResources().addToRequests("nvidia.com/gpu", new Quantity(String.valueOf(gpus)))
                .addToRequests("cpu", new Quantity("4")).endResources().endContainer().endSpec()
                .withNewStatus().withPhase("Pending").endStatus();
        if (podGroup != null) b.editMetadata().addToLabels(ResourceNames.POD_GROUP_LABEL, podGroup).endMetadata();
        return b.build();
    }

    static void await(String what, long ms, BooleanSupplier ok) throws InterruptedException {
        long end = System.currentTimeMillis() + ms;
        while (!ok.getAsBoolean()) {
            if (System.currentTimeMillis() > end) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(25);
        }
    }

    private GpuAssignment assignment(String pod) {
        Pod p = client.pods().inNamespace("ml").withName(pod).get();
        String a = p.getMetadata().getAnnotations() == null ? null : p.getMetadata().getAnnotations().get(ResourceNames.GPU_ASSIGNMENT_ANNOTATION);
        return a == null ? null : GpuAssignment.parse(a);
    }

    @Test
    void podsOfOtherSchedulersCountAgainstTheirNode() throws Exception {
        client.nodes().resource(node("gpu-1", 8)).create();
        // Bound by the default scheduler and the device plugin: 6 of the node's 8 GPUs are taken.
        Pod foreign = new PodBuilder(pod("notebook", 6, null)).editSpec().withSchedulerName("default-scheduler")
                .withNodeName("gpu-1").endSpec().editStatus().withPhase("Running").endStatus().build();
        client.pods().inNamespace("ml").resource(foreign).create();
        Running s = scheduler();
        await("the foreign pod is booked", 10_000, () -> s.call(svc -> svc.placement("ml/notebook")) != null);
        assertEquals(6, s.call(svc -> svc.placement("ml/notebook")).gpus().size());
        client.pods().inNamespace("ml").resource(pod("late-0", 4, null)).create();
        client.pods().inNamespace("ml").resource(pod("late-1", 2, null)).create();
        await("binding of late-1 (2 GPUs)", 10_000, () -> bindings.containsKey("late-1"));
        Thread.sleep(500);
        assertTrue(!bindings.containsKey("late-0"), "4 GPUs do not fit next to the foreign pod's 6");
        assertTrue(assignment("late-1").gpus().stream().noneMatch(sh -> s.call(svc -> svc.placement("ml/notebook"))
                .gpus().stream().anyMatch(f -> f.uuid().equals(sh.uuid()))), "no card is booked twice");
        // the foreign pod ends: its GPUs are free again and the waiting pod binds
        client.pods().inNamespace("ml").withName("notebook").delete();
        await("binding of late-0 once the foreign pod is gone", 10_000, () -> bindings.containsKey("late-0"));
    }

    @Test
    void pendingPodIsBoundWithItsGpuAssignmentAndAnEvent() throws Exception {
        client.nodes().resource(node("gpu-1", 8)).create();
        Running s = scheduler();
        client.pods().inNamespace("ml").resource(pod("train-0", 2, null)).create();
        await("binding of train-0", 10_000, () -> bindings.containsKey("train-0"));
        assertEquals("gpu-1", bindings.get("train-0"));
        await("annotation", 5_000, () -> assignment("train-0") != null);
        GpuAssignment a = assignment("train-0");
        assertEquals("gpu-1", a.node());
        assertEquals(2, a.gpus().size());
        for (GpuAssignment.Share sh : a.gpus()) {
            assertTrue(sh.uuid().startsWith("GPU-gpu-1-"));
            assertEquals(1000, sh.coreMilli());
        }
        await("Scheduled event", 5_000, () -> client.v1().events().inNamespace("ml").list().getItems().stream()
                .anyMatch(e -> "Scheduled".equals(e.getReason()) && "train-0".equals(e.getInvolvedObject().getName())));
        Allocation held = s.call(svc -> svc.placement("ml/train-0"));
        assertEquals(a.gpus(), held.gpus());
        // the pod ends: its GPUs are freed
        client.pods().inNamespace("ml").withName("train-0").delete();
        await("release", 5_000, () -> s.call(svc -> svc.placement("ml/train-0")) == null);
    }

    @Test
    void gangBindsAllOrNothing() throws Exception {
        client.nodes().resource(node("gpu-1", 8)).create();
        client.genericKubernetesResources(KubeScheduler.POD_GROUP).inNamespace("ml").resource(new GenericKubernetesResourceBuilder()
                .withApiVersion("scheduling.x-k8s.io/v1alpha1").withKind("PodGroup").withNewMetadata().withName("g").withNamespace("ml").endMetadata()
                .addToAdditionalProperties("spec", Map.of("minMember", 3, "scheduleTimeoutSeconds", 30)).build()).create();
        Running s = scheduler();
        for (int i = 0; i < 3; i++) client.pods().inNamespace("ml").resource(pod("gang-" + i, 4, "g")).create();
        // 3 × 4 GPUs do not fit in 8: nobody is bound, nothing is held, and the pods say why
        await("a FailedScheduling event", 10_000, () -> client.v1().events().inNamespace("ml").list().getItems().stream()
                .anyMatch(e -> "FailedScheduling".equals(e.getReason())));
        Thread.sleep(300);
        assertTrue(bindings.isEmpty(), "no member bound: " + bindings);
        for (int i = 0; i < 3; i++) {
            int n = i;
            assertNull(s.call(svc -> svc.placement("ml/gang-" + n)), "gang-" + i + " holds nothing");
        }
        // a second node: the whole gang goes
        client.nodes().resource(node("gpu-2", 8)).create();
        await("all three bound", 20_000, () -> bindings.size() == 3);
        Set<String> gpus = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            int n = i;
            await("annotation of gang-" + i, 5_000, () -> assignment("gang-" + n) != null);
            for (GpuAssignment.Share sh : assignment("gang-" + i).gpus()) assertTrue(gpus.add(sh.uuid()), "GPU given twice: " + sh.uuid());
        }
        assertEquals(12, gpus.size());
    }

    @Test
    void restartedSchedulerRebuildsFromAnnotationsAndPlacesNothingTwice() throws Exception {
        client.nodes().resource(node("gpu-1", 8)).create();
        Running first = scheduler();
        client.pods().inNamespace("ml").resource(pod("gang-0", 4, null)).create();
        client.pods().inNamespace("ml").resource(pod("gang-1", 2, null)).create();
        await("two bindings", 10_000, () -> bindings.size() == 2);
        await("nodeName set", 5_000, () -> client.pods().inNamespace("ml").list().getItems().stream()
                .allMatch(p -> p.getSpec().getNodeName() != null && assignment(p.getMetadata().getName()) != null));
        Map<String, List<GpuAssignment.Share>> before = new HashMap<>();
        for (String p : List.of("gang-0", "gang-1")) before.put(p, first.call(svc -> svc.placement("ml/" + p)).gpus());
        first.close();

        Running second = scheduler();
        for (String p : List.of("gang-0", "gang-1")) {
            await("adoption of " + p, 5_000, () -> second.call(svc -> svc.placement("ml/" + p)) != null);
            assertEquals(before.get(p), second.call(svc -> svc.placement("ml/" + p)).gpus(), p + " keeps its GPUs");
            assertEquals(before.get(p), assignment(p).gpus());
        }
        // 2 GPUs left: a 2-GPU pod gets exactly those, a 4-GPU pod must wait
        client.pods().inNamespace("ml").resource(pod("late-0", 2, null)).create();
        client.pods().inNamespace("ml").resource(pod("late-1", 4, null)).create();
        await("late-0 bound", 10_000, () -> bindings.containsKey("late-0"));
        await("late-0 annotated", 5_000, () -> assignment("late-0") != null);
        Set<String> used = new HashSet<>();
        for (String p : List.of("gang-0", "gang-1", "late-0")) for (GpuAssignment.Share sh : assignment(p).gpus()) assertTrue(used.add(sh.uuid()));
        assertEquals(8, used.size());
        Thread.sleep(300);
        assertTrue(!bindings.containsKey("late-1"), "late-1 does not fit and is not bound");
    }

    @Test
    void apiServerFailuresAndOutageAreSurvived() throws Exception {
        client.nodes().resource(node("gpu-1", 8)).create();
        Running s = scheduler();
        // the binding fails twice: the pod is given back, retried, and bound; the failures are counted
        server.clearExpectations();
        expectBindings(server, 2);
        client.pods().inNamespace("ml").resource(pod("train-0", 1, null)).create();
        await("binding after failures", 20_000, () -> bindings.containsKey("train-0"));
        assertTrue(s.service().metrics().scrape().contains("gpufleet_scheduler_kube_errors_total{operation=\"bind\"}"),
                "bind failures are visible in metrics");
        assertNotNull(s.call(svc -> svc.placement("ml/train-0")));

        // the API server goes away and comes back on the same address with the same data
        int port = server.getPort();
        server.destroy();
        Thread.sleep(500);
        server = newServer(port);
        client.close();
        client = fastClient();
        client.pods().inNamespace("ml").resource(pod("late-0", 1, null)).create();
        await("a pod created after the outage is bound", 30_000, () -> bindings.containsKey("late-0"));
        await("annotation", 5_000, () -> assignment("late-0") != null);
        assertTrue(!assignment("late-0").gpus().get(0).uuid().equals(assignment("train-0").gpus().get(0).uuid()));
    }

    @Test
    void onlyTheLeaseHolderActsAndALostLeaseStopsIt() throws Exception {
        client.nodes().resource(node("gpu-1", 8)).create();
        AtomicBoolean lostA = new AtomicBoolean();
        Duration d = Duration.ofMillis(1500), renew = Duration.ofMillis(1000), retry = Duration.ofMillis(100);
        Running a = scheduler(new KubeScheduler.Lease("default", "gpufleet-scheduler", "replica-a", d, renew, retry, () -> lostA.set(true)));
        await("replica-a leads", 10_000, a.kube()::acting);
        Running b = scheduler(new KubeScheduler.Lease("default", "gpufleet-scheduler", "replica-b", d, renew, retry, () -> { }));
        Thread.sleep(500);
        assertTrue(!b.kube().acting(), "replica-b waits while a holds the lease");
        client.pods().inNamespace("ml").resource(pod("train-0", 2, null)).create();
        await("binding by the leader", 10_000, () -> bindings.containsKey("train-0"));
        assertNull(b.call(svc -> svc.placement("ml/train-0")), "the follower has no informers and placed nothing");

        // someone else takes the lease: a stops within its renew deadline and binds nothing more
        var leases = client.leases().inNamespace("default");
        for (int attempt = 0; ; attempt++) {
            try {
                // optimistic concurrency: a's renewals race with this edit, as with a real API server
                leases.withName("gpufleet-scheduler").edit(l -> {
                    l.getSpec().setHolderIdentity("intruder");
                    l.getSpec().setRenewTime(java.time.ZonedDateTime.now().plusSeconds(60));
                    l.getSpec().setLeaseDurationSeconds(600);
                    return l;
                });
                break;
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                if (e.getCode() != 409 || attempt > 50) throw e;
            }
        }
        await("replica-a stops", 10_000, lostA::get);
        assertTrue(!a.kube().acting());
        client.pods().inNamespace("ml").resource(pod("late-0", 1, null)).create();
        Thread.sleep(1000);
        assertTrue(!bindings.containsKey("late-0"), "nobody holding the lease binds");
        assertTrue(!b.kube().acting(), "the intruder's lease is still valid");
    }

    @Test
    void serverInKubernetesModeServesTheWatchedCluster() throws Exception {
        client.nodes().resource(node("gpu-1", 8)).create();
        try (io.gpufleet.scheduler.api.SchedulerServer srv = io.gpufleet.scheduler.api.SchedulerServer.start(
                new io.gpufleet.scheduler.api.ServerConfig(0, "127.0.0.1", null, null, null, true, "gpufleet", 1, 1, 1 << 20,
                        Duration.ofMillis(50), false), KubeScheduler.with(fastClient()))) {
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + srv.port();
            java.util.function.Function<String, java.net.http.HttpResponse<String>> get = path -> {
                try {
                    return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + path)).build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString());
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            };
            assertEquals(200, get.apply("/readyz").statusCode());
            await("node in the API", 5_000, () -> get.apply("/api/v1/nodes").body().contains("GPU-gpu-1-7"));
            client.pods().inNamespace("ml").resource(pod("train-0", 1, null)).create();
            await("bound pod listed as a job", 10_000, () -> get.apply("/api/v1/jobs/ml/train-0").body().contains("\"phase\":\"Running\""));
            var post = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/api/v1/jobs"))
                    .header("Content-Type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"name\":\"x\",\"namespace\":\"ml\",\"resources\":{\"cpu\":\"1\"}}")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(409, post.statusCode(), "jobs come from pods in Kubernetes mode: " + post.body());
        }
    }

    @Test
    void elasticQuotaAndQuotaTreeGovernPods() throws Exception {
        client.nodes().resource(node("gpu-1", 8)).create();
        client.genericKubernetesResources(KubeScheduler.QUOTA_TREE).resource(new GenericKubernetesResourceBuilder()
                .withApiVersion("gpufleet.io/v1alpha1").withKind("GpuQuotaTree").withNewMetadata().withName("departments").endMetadata()
                .addToAdditionalProperties("spec", Map.of("groups", List.of(Map.of("name", "research", "min", Map.of("nvidia.com/gpu", 2),
                        "max", Map.of("nvidia.com/gpu", "4"))))).build()).create();
        client.genericKubernetesResources(KubeScheduler.ELASTIC_QUOTA).inNamespace("ml").resource(new GenericKubernetesResourceBuilder()
                .withApiVersion("scheduling.x-k8s.io/v1alpha1").withKind("ElasticQuota")
                .withNewMetadata().withName("quota").withNamespace("ml").addToAnnotations(KubeScheduler.PARENT_ANNOTATION, "research").endMetadata()
                .addToAdditionalProperties("spec", Map.of("min", Map.of("nvidia.com/gpu", 1), "max", Map.of("nvidia.com/gpu", 3, "cpu", "64"))).build()).create();
        Running s = scheduler();
        io.gpufleet.scheduler.api.Principal admin = new io.gpufleet.scheduler.api.Principal("root", Set.of(), true);
        await("quota groups", 5_000, () -> s.call(svc -> svc.quotas(admin)).items().size() == 2);
        var ml = s.call(svc -> svc.quota(admin, "ml"));
        assertEquals("research", ml.parent());
        assertEquals("ml", ml.namespace());
        assertEquals(3.0, ml.max().gpus());
        assertEquals(4.0, s.call(svc -> svc.quota(admin, "research")).max().gpus());
        // ml may hold 3 GPUs: a 2-GPU pod goes, a second 2-GPU pod would exceed the max and waits
        client.pods().inNamespace("ml").resource(pod("train-0", 2, null)).create();
        await("train-0 bound", 10_000, () -> bindings.containsKey("train-0"));
        client.pods().inNamespace("ml").resource(pod("late-0", 2, null)).create();
        await("late-0 refused by quota", 10_000, () -> client.v1().events().inNamespace("ml").list().getItems().stream()
                .anyMatch(e -> "FailedScheduling".equals(e.getReason()) && "late-0".equals(e.getInvolvedObject().getName())
                        && e.getMessage().contains("quota")));
        assertTrue(!bindings.containsKey("late-0"));
        assertEquals(2.0, s.call(svc -> svc.quota(admin, "ml")).used().gpus());
        // raising the max lets it through
        client.genericKubernetesResources(KubeScheduler.ELASTIC_QUOTA).inNamespace("ml").withName("quota").edit(q -> {
            q.setAdditionalProperty("spec", Map.of("min", Map.of("nvidia.com/gpu", 1), "max", Map.of("nvidia.com/gpu", 4)));
            return q;
        });
        await("late-0 bound after the quota grew", 15_000, () -> bindings.containsKey("late-0"));
    }
}
