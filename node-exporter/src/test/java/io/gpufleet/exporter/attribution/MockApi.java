package io.gpufleet.exporter.attribution;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import io.gpufleet.contracts.GpuAssignment;
import io.gpufleet.contracts.ResourceNames;
import io.gpufleet.exporter.source.GpuIdentity;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

/** A fabric8 mock API server in CRUD mode and pods to put in it. */
final class MockApi implements AutoCloseable {
    static final String NODE = "gpu-node-1";
    static final String OTHER_NODE = "gpu-node-2";

    final KubernetesMockServer server;
    final KubernetesClient client;

    private MockApi(KubernetesMockServer server) {
        this.server = server;
        this.client = server.createClient(b -> b.editOrNewConfig()
                // Short reconnect backoff so tests that stop the server see the informer come back quickly.
                .withWatchReconnectInterval(100).withWatchReconnectLimit(-1)
                .withRequestRetryBackoffInterval(50).withRequestRetryBackoffLimit(1)
                .endConfig());
    }

    static MockApi start() {
        KubernetesMockServer s = newServer();
        s.init();
        return new MockApi(s);
    }

    static KubernetesMockServer newServer() {
        return new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new NodeSelectorTolerantDispatcher(), false);
    }

    /** Paths of pod list and watch requests the server received, as sent (before any rewriting). */
    static final List<String> PATHS_SEEN = new CopyOnWriteArrayList<>();

    /**
     * The CRUD dispatcher matches field selectors only on metadata.name and metadata.namespace, and answers a
     * {@code spec.nodeName} selector with nothing. A real API server filters by it; here the requirement is
     * recorded and dropped, so pods of every node reach the client and the resolver's own node check is what
     * keeps other nodes' pods out (tests assert both: the selector is sent, and other nodes' pods are ignored).
     */
    static final class NodeSelectorTolerantDispatcher extends KubernetesCrudDispatcher {
        private static final Pattern NODE_SELECTOR = Pattern.compile("fieldSelector=spec\\.nodeName(%3D|=)[^&]*&?");

        @Override
        public MockResponse handleGet(String path) {
            return super.handleGet(strip(path));
        }

        final AtomicBoolean expireNextResumedWatch = new AtomicBoolean();

        @Override
        public MockResponse handleWatch(String path) {
            if (path.contains("resourceVersion=") && expireNextResumedWatch.compareAndSet(true, false)) {
                PATHS_SEEN.add(path);
                // What an API server sends when the watch cache no longer holds the requested version.
                return new MockResponse().withWebSocketUpgrade(new WebSocketListener() {
                    @Override
                    public void onOpen(WebSocket ws, Response response) {
                        ws.send("{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\","
                                + "\"status\":\"Failure\",\"message\":\"too old resource version\","
                                + "\"reason\":\"Expired\",\"code\":410}}");
                        ws.close(1000, "expired");
                    }
                });
            }
            return super.handleWatch(strip(path));
        }

        private static String strip(String path) {
            if (path.contains("/pods")) PATHS_SEEN.add(path);
            String p = NODE_SELECTOR.matcher(path).replaceAll("");
            return p.endsWith("?") || p.endsWith("&") ? p.substring(0, p.length() - 1) : p;
        }
    }

    /**
     * A new CRUD server on {@code port} (the old one's), with no objects and a new resourceVersion history: what
     * an API server restored elsewhere looks like. Like a real one, it answers a watch that resumes from a
     * resourceVersion it cannot serve with 410 Gone, which makes the informer list again.
     */
    static KubernetesMockServer restartOn(int port) {
        var dispatcher = new NodeSelectorTolerantDispatcher();
        dispatcher.expireNextResumedWatch.set(true);
        KubernetesMockServer s = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                dispatcher, false);
        s.init(InetAddress.getLoopbackAddress(), port);
        return s;
    }

    Pod create(Pod pod) {
        Pod created = client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(pod).create();
        if (pod.getStatus() != null) {
            Pod withStatus = new PodBuilder(created).withStatus(pod.getStatus()).build();
            created = client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(withStatus).updateStatus();
        }
        return created;
    }

    void delete(String namespace, String name) {
        client.pods().inNamespace(namespace).withName(name).delete();
    }

    private boolean destroyed;

    /** Stops the server (the client stays, pointing at a dead address). */
    void stopServer() {
        destroyed = true;
        server.destroy();
    }

    /**
     * Stops the server, then the client. In this order because the mock server's watch handler blocks its event
     * loop when a client closes a watch first, which can stall the server's shutdown past its timeout.
     */
    @Override
    public void close() {
        if (!destroyed) server.destroy();
        client.close();
    }

    static GpuIdentity gpu(int index, String uuid) {
        return new GpuIdentity(NODE, index, uuid, "NVIDIA H100 80GB HBM3", "", "", 0, index);
    }

    static String assignment(String container, GpuAssignment.Share... shares) {
        return new GpuAssignment(NODE, container, List.of(shares)).toJson();
    }

    static GpuAssignment.Share share(String uuid, int index, long memoryMiB, int coreMilli) {
        return new GpuAssignment.Share(uuid, index, memoryMiB, coreMilli);
    }

    /** A pod builder with one container per name; phase Running unless changed. */
    static PodBuilder pod(String namespace, String name, String node, String annotation, String... containers) {
        PodBuilder b = new PodBuilder().withNewMetadata().withNamespace(namespace).withName(name).endMetadata()
                .withNewSpec().withNodeName(node).endSpec()
                .withNewStatus().withPhase("Running").endStatus();
        if (annotation != null) {
            b.editMetadata().addToAnnotations(ResourceNames.GPU_ASSIGNMENT_ANNOTATION, annotation).endMetadata();
        }
        for (String c : containers) {
            b.editSpec().addToContainers(new ContainerBuilder().withName(c).withImage("trainer:1").build()).endSpec();
        }
        return b;
    }

    /** Adds a container that requests whole GPUs, and its runtime id to the status. */
    static PodBuilder withGpuContainer(PodBuilder b, String container, String containerId, int gpus) {
        return b.editSpec().addToContainers(new ContainerBuilder().withName(container).withImage("cuda:12")
                        .withNewResources().addToLimits(ResourceNames.GPU, new Quantity(Integer.toString(gpus)))
                        .endResources().build()).endSpec()
                .editStatus().addToContainerStatuses(new ContainerStatusBuilder().withName(container)
                        .withContainerID("containerd://" + containerId).withReady(true).build()).endStatus();
    }

    /** Polls {@code condition} every 20 ms until true or {@code timeout}; true when it held. */
    static boolean eventually(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() >= deadline) return false;
            Thread.sleep(20);
        }
        return true;
    }
}
