package io.gpufleet.scheduler.kube;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.gpufleet.contracts.GpuAssignment;
import io.gpufleet.contracts.ResourceNames;
import io.gpufleet.scheduler.api.DecisionLoop;
import io.gpufleet.scheduler.api.PodInfo;
import io.gpufleet.scheduler.api.SchedulerMetrics;
import io.gpufleet.scheduler.api.SchedulerService;
import io.gpufleet.scheduler.model.Allocation;
import io.gpufleet.scheduler.model.PodGroup;
import io.gpufleet.scheduler.quota.QuotaSpec;
import io.gpufleet.scheduler.quota.Resources;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfig;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes mode: informers feed the cluster model on the decision loop (nodes, pods, scheduler-plugins'
 * {@code PodGroup} and {@code ElasticQuota}, gpufleet's {@code GpuQuotaTree}); pods whose
 * {@code spec.schedulerName} is ours are queued, and each placement is carried out off the loop: the GPU
 * assignment annotation {@value ResourceNames#GPU_ASSIGNMENT_ANNOTATION} first, then the pod's
 * {@code binding} subresource, then a {@code Scheduled} event. A failed call gives the placement back and the pod
 * is tried again on a later pass. At start, bound pods with an assignment annotation are adopted before anything
 * is scheduled, so a restarted scheduler rebuilds its state and places nothing twice.
 */
public final class KubeScheduler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KubeScheduler.class);

    public static final String SCHEDULING_GROUP = "scheduling.x-k8s.io";
    public static final String PODGROUP_API = SCHEDULING_GROUP + "/v1alpha1";
    public static final String GPUFLEET_API = "gpufleet.io/v1alpha1";
    /** On an ElasticQuota: the parent group in the quota tree. */
    public static final String PARENT_ANNOTATION = "gpufleet.io/parent-quota";

    /** scheduler-plugins' PodGroup. */
    public static final ResourceDefinitionContext POD_GROUP = crd(SCHEDULING_GROUP, "PodGroup", "podgroups", true);
    /** scheduler-plugins' ElasticQuota. */
    public static final ResourceDefinitionContext ELASTIC_QUOTA = crd(SCHEDULING_GROUP, "ElasticQuota", "elasticquotas", true);
    /** gpufleet's quota tree (cluster-scoped; deploy/crds/gpuquotatree.yaml). */
    public static final ResourceDefinitionContext QUOTA_TREE = crd("gpufleet.io", "GpuQuotaTree", "gpuquotatrees", false);

    private static ResourceDefinitionContext crd(String group, String kind, String plural, boolean namespaced) {
        return new ResourceDefinitionContext.Builder().withGroup(group).withVersion("v1alpha1").withKind(kind)
                .withPlural(plural).withNamespaced(namespaced).build();
    }

    /** Makes the Kubernetes mode for a server (tests pass the mock server's client). */
    public interface Factory {
        KubeScheduler create(DecisionLoop loop, SchedulerMetrics metrics, String schedulerName);
    }

    private final KubernetesClient client;
    private final boolean ownsClient;
    private final DecisionLoop loop;
    private final SchedulerMetrics metrics;
    private final String schedulerName;
    private final ExecutorService io = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "gpufleet-kube-binder");
        t.setDaemon(true);
        return t;
    });
    private final List<SharedIndexInformer<?>> informers = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** False until this replica may act (leader) and again once it lost the lease: no binding, no eviction. */
    private volatile boolean acting;
    private volatile boolean started;
    private CompletableFuture<?> election;

    /**
     * Leader election on a coordination.k8s.io Lease, so that of several replicas only one acts.
     *
     * @param onLost called when the lease is lost; the replica has stopped acting by then (a fresh process rebuilds)
     */
    public record Lease(String namespace, String name, String identity, Duration leaseDuration, Duration renewDeadline,
                        Duration retryPeriod, Runnable onLost) {
        /** {@code gpufleet-scheduler} in {@code $POD_NAMESPACE} (or default), identity {@code $HOSTNAME}; 15 s / 10 s / 2 s. */
        public static Lease fromEnvironment(Runnable onLost) {
            String ns = System.getenv().getOrDefault("POD_NAMESPACE", "default");
            String id = System.getenv().getOrDefault("HOSTNAME", "gpufleet-" + ProcessHandle.current().pid());
            return new Lease(ns, "gpufleet-scheduler", id, Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2), onLost);
        }
    }
    private final Map<String, GenericKubernetesResource> elasticQuotas = new ConcurrentHashMap<>();
    private final Map<String, GenericKubernetesResource> quotaTrees = new ConcurrentHashMap<>();
    private final Map<String, String> lastFailure = new ConcurrentHashMap<>();

    public KubeScheduler(KubernetesClient client, boolean ownsClient, DecisionLoop loop, SchedulerMetrics metrics, String schedulerName) {
        this.client = client;
        this.ownsClient = ownsClient;
        this.loop = loop;
        this.metrics = metrics;
        this.schedulerName = schedulerName;
    }

    private Lease lease;

    /**
     * In-cluster service account, or the kubeconfig of the environment, with leader election
     * ({@link Lease#fromEnvironment}); a replica that loses the lease exits, like kube-scheduler, and its
     * Deployment restarts it to campaign again with a state rebuilt from the cluster.
     */
    public static KubeScheduler fromEnvironment(DecisionLoop loop, SchedulerMetrics metrics, String schedulerName) {
        KubeScheduler k = new KubeScheduler(new KubernetesClientBuilder().build(), true, loop, metrics, schedulerName);
        k.lease = Lease.fromEnvironment(() -> new Thread(() -> System.exit(1), "gpufleet-lost-lease").start());
        return k;
    }

    /** Starts as configured: {@link #startWithLeaderElection} when a lease is set, else {@link #start} at once. */
    public void begin() {
        if (lease != null) startWithLeaderElection(lease);
        else start();
    }

    /** Client factory for {@link io.gpufleet.scheduler.api.SchedulerServer#start(io.gpufleet.scheduler.api.ServerConfig, Factory)}. */
    public static Factory with(KubernetesClient client) {
        return (loop, metrics, name) -> new KubeScheduler(client, false, loop, metrics, name);
    }

    /**
     * Campaigns for the lease and starts acting ({@link #start}) once elected; stops acting when the lease is lost.
     * Returns at once.
     */
    public void startWithLeaderElection(Lease lease) {
        LeaderElectionConfig cfg = new LeaderElectionConfigBuilder().withName(lease.name())
                .withLock(new LeaseLock(lease.namespace(), lease.name(), lease.identity()))
                .withLeaseDuration(lease.leaseDuration()).withRenewDeadline(lease.renewDeadline()).withRetryPeriod(lease.retryPeriod())
                .withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(() -> {
                    LOG.info("{} leads ({}/{}): scheduling", lease.identity(), lease.namespace(), lease.name());
                    // Informers block for their first list: not on the elector's thread, which must keep renewing.
                    Thread t = new Thread(this::start, "gpufleet-kube-start");
                    t.setDaemon(true);
                    t.start();
                }, () -> {
                    if (!started) return;
                    LOG.warn("{} lost the lease {}/{}: no longer scheduling", lease.identity(), lease.namespace(), lease.name());
                    stopActing();
                    if (lease.onLost() != null) lease.onLost().run();
                }, leader -> LOG.info("lease {}/{} held by {}", lease.namespace(), lease.name(), leader)))
                .build();
        election = client.leaderElector().withConfig(cfg).build().start();
    }

    /** Whether this replica currently binds and evicts. */
    public boolean acting() {
        return acting;
    }

    private void stopActing() {
        acting = false;
        for (SharedIndexInformer<?> i : informers) i.close();
        informers.clear();
    }

    /** Starts the informers (each blocks until its first list is in) in dependency order: nodes, gangs, quotas, pods. */
    public void start() {
        started = true;
        acting = true;
        loop.run(s -> s.addListener(new Binder())).join();  // before any event
        informers.add(client.nodes().inform(handler(this::nodeChanged, n -> onLoop(s -> s.removeNode(n.getMetadata().getName())))));
        informers.add(client.genericKubernetesResources(POD_GROUP).inAnyNamespace().inform(handler(this::podGroupChanged, g -> {})));
        informers.add(client.genericKubernetesResources(ELASTIC_QUOTA).inAnyNamespace().inform(handler(
                q -> { elasticQuotas.put(key(q), q); quotasChanged(); },
                q -> { elasticQuotas.remove(key(q)); quotasChanged(); })));
        informers.add(client.genericKubernetesResources(QUOTA_TREE).inform(handler(
                q -> { quotaTrees.put(q.getMetadata().getName(), q); quotasChanged(); },
                q -> { quotaTrees.remove(q.getMetadata().getName()); quotasChanged(); })));
        informers.add(client.pods().inAnyNamespace().inform(handler(this::podChanged, p -> {
            String k = p.getMetadata().getNamespace() + "/" + p.getMetadata().getName();
            lastFailure.remove(k);
            onLoop(s -> s.podDeleted(k));
        })));
        LOG.info("Kubernetes mode: scheduling pods with schedulerName {}", schedulerName);
    }

    /** Hands an informer event to the decision loop; a failure there is logged, not lost. */
    private java.util.concurrent.CompletableFuture<Void> onLoop(Consumer<SchedulerService> f) {
        return loop.run(f).whenComplete((v, e) -> {
            if (e != null) LOG.warn("applying a cluster change failed: {}", e.getMessage(), e);
        });
    }

    private static String key(GenericKubernetesResource r) {
        return r.getMetadata().getNamespace() + "/" + r.getMetadata().getName();
    }

    private static <T> ResourceEventHandler<T> handler(Consumer<T> upsert, Consumer<T> delete) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                upsert.accept(obj);
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                upsert.accept(newObj);
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                delete.accept(obj);
            }
        };
    }

    private void nodeChanged(io.fabric8.kubernetes.api.model.Node k) {
        String name = k.getMetadata().getName();
        if (!NodeInventory.schedulable(k)) {
            onLoop(s -> s.removeNode(name));
            return;
        }
        try {
            var node = NodeInventory.toNode(k);
            onLoop(s -> s.upsertNode(node));
        } catch (IllegalArgumentException e) {
            LOG.warn("node {} left out: {}", name, e.getMessage());
        }
    }

    private void podGroupChanged(GenericKubernetesResource g) {
        Map<String, Object> spec = g.get("spec");
        int min = intOf(spec == null ? null : spec.get("minMember"), 1);
        long timeout = intOf(spec == null ? null : spec.get("scheduleTimeoutSeconds"), 60);
        try {
            PodGroup pg = new PodGroup(key(g), Math.max(1, min), Math.max(1, timeout));
            onLoop(s -> s.defineGang(pg));
        } catch (IllegalArgumentException e) {
            LOG.warn("PodGroup {} ignored: {}", key(g), e.getMessage());
        }
    }

    private static int intOf(Object o, int dflt) {
        if (o instanceof Number n) return n.intValue();
        if (o instanceof String s) {
            try {
                return Integer.parseInt(s);
            } catch (NumberFormatException e) {
                return dflt;
            }
        }
        return dflt;
    }

    /** Rebuilds the quota model from every ElasticQuota (one group per namespace) and GpuQuotaTree group. */
    private void quotasChanged() {
        List<SchedulerService.QuotaEntry> entries = new ArrayList<>();
        for (GenericKubernetesResource t : quotaTrees.values()) {
            Map<String, Object> spec = t.get("spec");
            Object groups = spec == null ? null : spec.get("groups");
            if (!(groups instanceof List<?> list)) continue;
            for (Object o : list) {
                if (!(o instanceof Map<?, ?> g) || !(g.get("name") instanceof String name)) continue;
                entries.add(new SchedulerService.QuotaEntry(new QuotaSpec(name, (String) g.get("parent"),
                        resources(g.get("min"), false), resources(g.get("max"), true)), (String) g.get("namespace")));
            }
        }
        for (GenericKubernetesResource q : elasticQuotas.values()) {
            Map<String, Object> spec = q.get("spec");
            String ns = q.getMetadata().getNamespace();
            String parent = q.getMetadata().getAnnotations() == null ? null : q.getMetadata().getAnnotations().get(PARENT_ANNOTATION);
            try {
                entries.add(new SchedulerService.QuotaEntry(new QuotaSpec(ns, parent,
                        resources(spec == null ? null : spec.get("min"), false), resources(spec == null ? null : spec.get("max"), true)), ns));
            } catch (IllegalArgumentException e) {
                LOG.warn("ElasticQuota {} ignored: {}", key(q), e.getMessage());
            }
        }
        onLoop(s -> s.setQuotas(entries));
    }

    private static Resources resources(Object list, boolean isMax) {
        long unset = isMax ? Long.MAX_VALUE : 0;
        if (!(list instanceof Map<?, ?> m)) return isMax ? Resources.UNLIMITED : Resources.ZERO;
        return new Resources(milli(m.get(ResourceNames.GPU), unset), plain(m.get(ResourceNames.GPU_MEMORY_MIB), unset), milli(m.get("cpu"), unset));
    }

    private static long milli(Object q, long unset) {
        if (q == null) return unset;
        return new Quantity(q.toString()).getNumericalAmount().multiply(BigDecimal.valueOf(1000)).longValue();
    }

    private static long plain(Object q, long unset) {
        if (q == null) return unset;
        return new Quantity(q.toString()).getNumericalAmount().longValue();
    }

    private void podChanged(Pod p) {
        if (!Pods.active(p)) {
            String k = p.getMetadata().getNamespace() + "/" + p.getMetadata().getName();
            onLoop(s -> s.podDeleted(k));
            return;
        }
        PodInfo info = Pods.info(p);
        String ann = info.annotations().get(ResourceNames.GPU_ASSIGNMENT_ANNOTATION);
        if (info.nodeName() != null) {
            // Bound: ours when it carries our assignment (restart rebuild); CPU-only pods of ours have none.
            if (ann != null || schedulerName.equals(info.schedulerName())) {
                GpuAssignment a;
                try {
                    a = ann != null ? GpuAssignment.parse(ann) : new GpuAssignment(info.nodeName(), null, List.of());
                } catch (IllegalArgumentException e) {
                    LOG.warn("pod {}: {}", info.key(), e.getMessage());
                    return;
                }
                onLoop(s -> {
                    String err = s.adoptPod(info, a);
                    if (err != null) LOG.warn("pod {} bound to {} not adopted: {}", info.key(), info.nodeName(), err);
                });
            } else {
                // Another scheduler's pod: what it holds is not free for ours.
                onLoop(s -> {
                    String err = s.adoptForeignPod(info);
                    if (err != null) LOG.warn("pod {} of scheduler {} on {} not counted: {}", info.key(),
                            info.schedulerName(), info.nodeName(), err);
                });
            }
            return;
        }
        if (schedulerName.equals(info.schedulerName())) onLoop(s -> s.submitPod(info));
    }

    /** Carries placements out against the API server, off the decision loop. */
    private final class Binder implements SchedulerService.Listener {
        @Override
        public void bound(Allocation a) {
            io.execute(() -> bind(a));
        }

        @Override
        public void evicted(Allocation a, String reason) {
            io.execute(() -> evict(a, reason));
        }

        @Override
        public void unschedulable(String pod, String reason) {
            // One event per distinct reason, not one per pass.
            if (acting && reason != null && !reason.equals(lastFailure.put(pod, reason))) {
                io.execute(() -> event(pod, "FailedScheduling", "Warning", reason));
            }
        }
    }

    private void bind(Allocation a) {
        String pod = a.pod();
        if (!acting) return;
        int slash = pod.indexOf('/');
        String ns = pod.substring(0, slash), name = pod.substring(slash + 1);
        try {
            String assignment = a.toAssignment().toJson();
            client.pods().inNamespace(ns).withName(name).edit(p -> new PodBuilder(p).editMetadata()
                    .addToAnnotations(ResourceNames.GPU_ASSIGNMENT_ANNOTATION, assignment).endMetadata().build());
            String body = "{\"apiVersion\":\"v1\",\"kind\":\"Binding\",\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\"" + ns
                    + "\"},\"target\":{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"name\":\"" + a.node() + "\"}}";
            String base = client.getMasterUrl().toString();
            if (!base.endsWith("/")) base += "/";
            HttpRequest req = client.getHttpClient().newHttpRequestBuilder()
                    .uri(base + "api/v1/namespaces/" + ns + "/pods/" + name + "/binding")
                    .post("application/json", body).build();
            HttpResponse<String> res = client.getHttpClient().sendAsync(req, String.class).get(30, TimeUnit.SECONDS);
            if (!res.isSuccessful()) throw new IllegalStateException("binding answered " + res.code() + ": " + res.body());
            lastFailure.remove(pod);
            LOG.info("bound {} to {} ({} GPUs)", pod, a.node(), a.gpus().size());
            event(pod, "Scheduled", "Normal", "Successfully assigned " + pod + " to " + a.node()
                    + (a.gpus().isEmpty() ? "" : " with GPUs " + a.gpus().stream().map(g -> g.index() + "").toList()));
        } catch (Exception e) {
            metrics.kubeError("bind");
            String why = "binding to " + a.node() + " failed: " + e.getMessage();
            LOG.warn("pod {}: {}", pod, why);
            onLoop(s -> s.unbind(pod, why));
        }
    }

    private void evict(Allocation a, String reason) {
        String pod = a.pod();
        if (!acting) return;
        int slash = pod.indexOf('/');
        event(pod, reason.startsWith("GPU") ? "GpuUnhealthy" : "Preempted", "Warning", reason);
        if (reason.startsWith("GPU")) return;  // an unhealthy GPU is reported; eviction is the operator's choice
        try {
            client.pods().inNamespace(pod.substring(0, slash)).withName(pod.substring(slash + 1)).delete();
        } catch (Exception e) {
            metrics.kubeError("evict");
            LOG.warn("evicting {}: {}", pod, e.getMessage());
        }
    }

    private void event(String pod, String reason, String type, String message) {
        int slash = pod.indexOf('/');
        String ns = pod.substring(0, slash), name = pod.substring(slash + 1);
        try {
            String now = Instant.now().toString();
            client.v1().events().inNamespace(ns).resource(new EventBuilder()
                    .withNewMetadata().withGenerateName(name + ".").withNamespace(ns).endMetadata()
                    .withInvolvedObject(new ObjectReferenceBuilder().withKind("Pod").withApiVersion("v1").withNamespace(ns).withName(name).build())
                    .withReason(reason).withType(type).withMessage(message).withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                    .withNewSource().withComponent(schedulerName).endSource().build()).create();
        } catch (Exception e) {
            metrics.kubeError("event");
            LOG.debug("event {} on {}: {}", reason, pod, e.getMessage());
        }
    }

    @Override
    public void close() {
        if (election != null) election.cancel(true);
        stopActing();
        io.shutdown();
        try {
            io.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (ownsClient) client.close();
    }
}
