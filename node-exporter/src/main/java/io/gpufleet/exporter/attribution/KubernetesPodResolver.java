package io.gpufleet.exporter.attribution;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.gpufleet.exporter.source.GpuIdentity;
import io.gpufleet.exporter.source.ProcessReading;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Attributes GPUs to the pods of this node from a pod informer (field selector {@code spec.nodeName=<node>}).
 *
 * <p>Two sources, merged by {@link PodResolvers#merge}: the scheduler's assignment annotation on running pods
 * gives the pods and their shares of each GPU; the GPU's processes, mapped through their cgroups to pods of the
 * cache, give each pod's used memory and add pods that no annotation names (those placed by another scheduler,
 * such as the NVIDIA device plugin's whole GPUs). {@link #podsFor} reads only memory.
 *
 * <p>When the API server goes away the informer keeps its last pods, answers continue from them, and fabric8
 * relists and rewatches with backoff until the server is back; {@link #stats()} shows the connection state.
 * A malformed annotation is logged once per pod, counted, and leaves the other pods untouched.
 */
public final class KubernetesPodResolver implements PodResolver {
    private static final Logger LOG = LoggerFactory.getLogger(KubernetesPodResolver.class);

    private final String nodeName;
    private final KubernetesClient ownedClient;
    private final SharedIndexInformer<Pod> informer;
    private final CgroupPodResolver processResolver;

    // Guarded by "this": written only from informer callbacks, which fabric8 delivers one at a time.
    private final Map<String, PodInfo> pods = new HashMap<>();
    private final Map<String, String> reportedMalformed = new HashMap<>();
    private volatile PodIndex index = PodIndex.EMPTY;

    private final AtomicLong annotationParseErrors = new AtomicLong();
    private final AtomicLong informerErrors = new AtomicLong();
    private volatile boolean failing;
    private volatile boolean closed;

    private KubernetesPodResolver(KubernetesClient client, KubernetesClient ownedClient, AttributionConfig config,
                                  Clock clock) {
        this.nodeName = config.nodeName();
        this.ownedClient = ownedClient;
        ProcessPodMapper mapper = new ProcessPodMapper(config.procRoot(), clock, config.pidCacheExpiry());
        this.processResolver = new CgroupPodResolver(mapper, uid -> index.byUid(uid));
        this.informer = client.pods().inAnyNamespace().withField("spec.nodeName", nodeName).runnableInformer(0);
        informer.exceptionHandler(this::onInformerException);
        informer.addEventHandler(new Handler());
    }

    /**
     * Starts watching this node's pods through {@code client} (owned by the caller, who closes it after this
     * resolver). Returns at once; pods arrive as the informer lists them, see {@link #awaitSynced}.
     */
    public static KubernetesPodResolver start(KubernetesClient client, AttributionConfig config, Clock clock) {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(clock, "clock");
        KubernetesPodResolver r = new KubernetesPodResolver(client, null, config, clock);
        r.begin();
        return r;
    }

    /**
     * Starts with a client configured from the environment (in-cluster service account, or kubeconfig), closed
     * with this resolver.
     */
    public static KubernetesPodResolver startFromEnvironment(AttributionConfig config) {
        Objects.requireNonNull(config, "config");
        KubernetesClient client = new KubernetesClientBuilder().build();
        try {
            KubernetesPodResolver r = new KubernetesPodResolver(client, client, config, Clock.systemUTC());
            r.begin();
            return r;
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    private void begin() {
        LOG.info("watching pods of node {} for GPU attribution", nodeName);
        informer.start().whenComplete((ok, err) -> {
            if (err == null) {
                LOG.info("pod informer for node {} synced: {} pods", nodeName, informer.getStore().list().size());
            } else if (!closed) LOG.warn("pod informer for node {} did not start: {}", nodeName, err.toString());
        });
    }

    /** Waits up to {@code timeout} for the first pod list; true when it arrived. For start-up logs and tests. */
    public boolean awaitSynced(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!informer.hasSynced()) {
            if (System.nanoTime() >= deadline) return false;
            Thread.sleep(20);
        }
        return true;
    }

    /**
     * The annotated pods of {@code gpu} with their shares, merged with the pods its processes run in (used memory
     * per pod summed from its processes, -1 when none of its processes is seen). Both come from one snapshot.
     */
    @Override
    public List<PodRef> podsFor(GpuIdentity gpu, List<ProcessReading> processes) {
        PodIndex snapshot = index;
        return PodResolvers.merge(snapshot.assignedTo(gpu.uuid()), processResolver.podsOf(processes, snapshot));
    }

    /**
     * This resolver with {@code devices} (the kubelet's PodResources) between its two sources: the assignment
     * annotation first (it knows the shares of gpufleet's shared GPUs), then {@code devices} (whole devices, and
     * the containers holding them), then the GPU's processes (used memory, pods no other source names). Refreshing
     * and closing the result reach both; it reports this resolver's stats and {@code devices}' source stats.
     */
    public PodResolver withDevices(PodResolver devices) {
        Objects.requireNonNull(devices, "devices");
        KubernetesPodResolver kube = this;
        return new PodResolver() {
            @Override
            public List<PodRef> podsFor(GpuIdentity gpu, List<ProcessReading> processes) {
                PodIndex snapshot = index;
                List<PodRef> first = PodResolvers.merge(snapshot.assignedTo(gpu.uuid()), devices.podsFor(gpu, processes));
                return PodResolvers.merge(first, processResolver.podsOf(processes, snapshot));
            }

            @Override
            public java.util.Optional<AttributionStats> stats() {
                return kube.stats();
            }

            @Override
            public List<SourceStats> sourceStats() {
                return devices.sourceStats();
            }

            @Override
            public void refresh() {
                devices.refresh();
            }

            @Override
            public void close() {
                try {
                    devices.close();
                } finally {
                    kube.close();
                }
            }
        };
    }

    /** The pods known now; for diagnostics. */
    public PodIndex index() {
        return index;
    }

    @Override
    public java.util.Optional<AttributionStats> stats() {
        return java.util.Optional.of(currentStats());
    }

    public AttributionStats currentStats() {
        PodIndex i = index;
        ProcessPodMapper m = processResolver.mapper();
        return new AttributionStats(informer.isWatching(), informer.hasSynced(), informerErrors.get(), i.pods(),
                i.assignedPods(), i.unassignedGpuPods(), annotationParseErrors.get(), m.cacheSize(), m.readErrors(),
                processResolver.processesWithoutPod());
    }

    @Override
    public void close() {
        closed = true;
        informer.close();
        if (ownedClient != null) ownedClient.close();
    }

    private boolean onInformerException(boolean started, Throwable t) {
        if (closed) return false;
        informerErrors.incrementAndGet();
        // One warning per outage; the informer retries with backoff, and answers keep coming from the cache.
        if (!failing) {
            failing = true;
            LOG.warn("pod list/watch for node {} failed, keeping the last known pods and retrying: {}", nodeName,
                    t.toString());
        } else {
            LOG.debug("pod list/watch for node {} still failing: {}", nodeName, t.toString());
        }
        return true;
    }

    private static String key(Pod pod) {
        return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    }

    private synchronized void upsert(Pod pod) {
        String key = key(pod);
        if (pod.getSpec() == null || !nodeName.equals(pod.getSpec().getNodeName())) {
            // The field selector already filters; this guards against an API that ignores it.
            remove(key);
            return;
        }
        PodInfo info = PodInfo.from(pod);
        if (info.assignmentMalformed()) {
            String seen = info.uid() + "\n" + info.assignmentRaw();
            if (!seen.equals(reportedMalformed.put(key, seen))) {
                annotationParseErrors.incrementAndGet();
                LOG.warn("pod {}: ignoring its GPU assignment annotation: {}", key, info.assignmentError());
            }
        } else {
            reportedMalformed.remove(key);
        }
        pods.put(key, info);
        index = PodIndex.of(pods.values());
    }

    private synchronized void remove(String key) {
        reportedMalformed.remove(key);
        if (pods.remove(key) != null) index = PodIndex.of(pods.values());
    }

    private final class Handler implements ResourceEventHandler<Pod> {
        @Override
        public void onList(String resourceVersion, boolean empty) {
            if (failing) LOG.info("pod list for node {} received again", nodeName);
            failing = false;
        }

        @Override
        public void onAdd(Pod pod) {
            upsert(pod);
        }

        @Override
        public void onUpdate(Pod oldPod, Pod newPod) {
            upsert(newPod);
        }

        @Override
        public void onDelete(Pod pod, boolean finalStateUnknown) {
            remove(key(pod));
        }
    }
}
