package io.gpufleet.scheduler.api;

import io.gpufleet.scheduler.allocator.CardPolicy;
import io.gpufleet.contracts.GpuAssignment;
import io.gpufleet.scheduler.Schedulers;
import io.gpufleet.scheduler.allocator.CardAllocator;
import io.gpufleet.scheduler.framework.Decision;
import io.gpufleet.scheduler.framework.Profile;
import io.gpufleet.scheduler.framework.Rejection;
import io.gpufleet.scheduler.framework.Scheduler;
import io.gpufleet.scheduler.model.Allocation;
import io.gpufleet.scheduler.model.Node;
import io.gpufleet.scheduler.model.PodGroup;
import io.gpufleet.scheduler.model.Request;
import io.gpufleet.scheduler.quota.QuotaSpec;
import io.gpufleet.scheduler.quota.QuotaTree;
import io.gpufleet.scheduler.quota.Resources;
import io.gpufleet.scheduler.state.ClusterState;
import io.gpufleet.scheduler.state.NodeState;
import java.time.Clock;
import java.time.Instant;
import io.gpufleet.scheduler.plugins.fgd.Fragmentation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler as a service: the cluster model (nodes, GPU health, the quota tree with the namespace each group
 * governs), the jobs and pods it knows, and the {@link Scheduler} over them. Every method runs on the decision
 * loop's thread ({@link DecisionLoop}); it checks that, so concurrent use fails loudly instead of corrupting state.
 *
 * <p>Requests are validated completely before anything changes; a refused request throws {@link ApiException}.
 * Changes that the scheduler cannot apply in place (quota tree edits, node removal) rebuild the scheduler from
 * the model and re-adopt every placement; if one cannot be re-adopted the edit is refused and the old scheduler
 * stays.
 */
public final class SchedulerService {
    private static final Logger LOG = LoggerFactory.getLogger(SchedulerService.class);

    /** Told about placements and evictions: the Kubernetes binding acts on them; the embedded mode ignores them. */
    public interface Listener {
        /** A pod got its node and GPUs. */
        default void bound(Allocation a) {}

        /** A pod was evicted (reclaim) or lost its GPU. */
        default void evicted(Allocation a, String reason) {}

        /** A pod did not fit this pass. */
        default void unschedulable(String pod, String reason) {}
    }

    /** A quota group and the namespace whose jobs it governs ({@code null}: none directly). */
    public record QuotaEntry(QuotaSpec spec, String namespace) {}

    /** Where a job came from: the REST API, or a pod the Kubernetes mode watches. */
    public enum Source { API, KUBERNETES }

    private static final class Job {
        final String id, name, namespace, user, kind;
        final Source source;
        final JobSpec spec;
        final List<Request> pods;
        final PodGroup group;
        final Instant submitted;

        Job(String id, String name, String namespace, String user, String kind, Source source, JobSpec spec,
            List<Request> pods, PodGroup group, Instant submitted) {
            this.id = id;
            this.name = name;
            this.namespace = namespace;
            this.user = user;
            this.kind = kind;
            this.source = source;
            this.spec = spec;
            this.pods = pods;
            this.group = group;
            this.submitted = submitted;
        }
    }

    private final Clock clock;
    private final Profile profile;
    private final SchedulerMetrics metrics;
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private final Map<String, QuotaEntry> quotas = new LinkedHashMap<>();
    private final Map<String, Set<Integer>> unhealthy = new HashMap<>();
    /** Active fault ids per node and GPU, as the fault stream listener reports them (shown in the node view). */
    private final Map<String, Map<Integer, List<String>>> gpuFaults = new HashMap<>();
    private final Map<String, PodGroup> gangs = new HashMap<>();
    private final Map<String, Job> jobs = new TreeMap<>();
    private final Map<String, Job> podToJob = new HashMap<>();
    private final Map<String, String> lastReason = new HashMap<>();
    private final Map<String, Map<String, Integer>> lastRejections = new HashMap<>();
    /** Pods seen by the extender's filter, so bind (which carries only names) knows what they ask. */
    private final Map<String, Request> extenderPods = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Request> e) {
            return size() > 10_000;
        }
    };
    /** Pod UIDs to {@code namespace/name}: the extender's preempt names victims by UID. */
    private final Map<String, String> uids = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> e) {
            return size() > 50_000;
        }
    };
    /** Gang members whose PodGroup has not been seen yet (Kubernetes mode). */
    private final Map<String, Request> parked = new LinkedHashMap<>();
    private final List<Listener> listeners = new ArrayList<>();
    private Scheduler scheduler;
    private volatile Thread owner;
    private boolean kubernetesMode;

    public SchedulerService(Collection<Node> nodes, Collection<QuotaEntry> quotas, Profile profile, Clock clock,
                            SchedulerMetrics metrics) {
        this.clock = clock;
        this.profile = profile;
        this.metrics = metrics == null ? new SchedulerMetrics() : metrics;
        for (Node n : nodes) {
            if (this.nodes.put(n.name(), n) != null) throw new IllegalArgumentException("node " + n.name() + " is defined twice");
        }
        for (QuotaEntry q : quotas) this.quotas.put(q.spec().name(), q);
        this.scheduler = build(this.nodes.values(), this.quotas.values(), true, null);
    }

    /** Binds the service to the calling thread: from now on only that thread may use it. */
    public void claim() {
        owner = Thread.currentThread();
    }

    private void onLoop() {
        Thread o = owner;
        if (o != null && o != Thread.currentThread()) {
            throw new IllegalStateException("scheduler used from " + Thread.currentThread().getName() + ", owned by " + o.getName());
        }
    }

    public void addListener(Listener l) {
        listeners.add(l);
    }

    /** Kubernetes mode: jobs come from pods, so the REST API does not create or delete them. */
    public void kubernetesMode(boolean on) {
        kubernetesMode = on;
    }

    public SchedulerMetrics metrics() {
        return metrics;
    }

    /** The live scheduler (loop thread only). */
    public Scheduler scheduler() {
        onLoop();
        return scheduler;
    }

    // ---- the loop's pass -------------------------------------------------------------------------------------

    /** One pass: expire waiting gangs, schedule what is queued, refresh the gauges. */
    public List<Decision> tick() {
        onLoop();
        long t0 = System.nanoTime();
        List<Decision> ds = scheduler.runQueue();
        metrics.cycleSeconds.observe((System.nanoTime() - t0) / 1e9);
        process(ds);
        refreshGauges();
        return ds;
    }

    private void process(List<Decision> ds) {
        for (Decision d : ds) {
            metrics.decision(d);
            for (Allocation v : d.victims()) {
                lastReason.put(v.pod(), "preempted for " + d.pod() + " (quota reclaim)");
                for (Listener l : listeners) l.evicted(v, "preempted for " + d.pod() + " (quota reclaim)");
                Job j = podToJob.get(v.pod());
                // API jobs go back to the queue; Kubernetes pods are deleted by the binding and resubmitted by
                // their controller.
                if (j != null && j.source == Source.API) scheduler.submit(v.request());
            }
            switch (d.outcome()) {
                case BOUND -> {
                    clearReason(d.pod());
                    for (Listener l : listeners) l.bound(d.allocation());
                }
                case WAITING -> lastReason.put(d.pod(), "holding " + d.allocation().node()
                        + " until its gang " + d.allocation().request().podGroup() + " is complete");
                case UNSCHEDULABLE -> {
                    lastReason.put(d.pod(), d.reason());
                    if (d.rejections().count() > 0) lastRejections.put(d.pod(), d.rejections().summary());
                    else lastRejections.remove(d.pod());
                    for (Listener l : listeners) l.unschedulable(d.pod(), d.reason());
                }
            }
            for (Allocation a : d.alsoBound()) {
                clearReason(a.pod());
                for (Listener l : listeners) l.bound(a);
            }
        }
    }

    private void clearReason(String pod) {
        lastReason.remove(pod);
        lastRejections.remove(pod);
    }

    /** Fragmentation is a scan of every node; a gauge refreshed this often is fresh enough for dashboards. */
    private static final Duration FRAGMENTATION_EVERY = Duration.ofSeconds(10);
    private Instant fragmentationAt;

    /** FGD's fragment measure with the placed pods as the typical mix ({@link Fragmentation#ofPlacedMix}). */
    private void refreshFragmentation() {
        Instant now = clock.instant();
        if (fragmentationAt != null && Duration.between(fragmentationAt, now).compareTo(FRAGMENTATION_EVERY) < 0) return;
        fragmentationAt = now;
        ClusterState st = scheduler.state();
        double fragmented = Fragmentation.ofPlacedMix(st);
        long idle = 0;
        for (NodeState n : st.nodes()) idle += n.freeGpuMilli();
        metrics.gpusFragmented.set(fragmented / 1000.0);
        metrics.fragmentationRatio.set(idle == 0 ? 0 : fragmented / idle);
    }

    private void refreshGauges() {
        refreshFragmentation();
        metrics.queued.set(scheduler.queued());
        metrics.waiting.set(scheduler.waitingPodNames().size());
        metrics.gangLongestWait.set(scheduler.longestGangWait().toMillis() / 1000.0);
        metrics.gangReservedNodes.set(scheduler.reservedNodeNames().size());
        metrics.permitTimeouts(scheduler.permitTimeouts());
        Map<String, Integer> pending = scheduler.queuedByQuotaGroup();
        ClusterState st = scheduler.state();
        metrics.placed.set(st.placedCount());
        metrics.gpusAllocated.set(st.gpuMilliUsed() / 1000.0);
        int bad = 0;
        for (Set<Integer> s : unhealthy.values()) bad += s.size();
        metrics.gpusUnhealthy.set(bad);
        QuotaTree qt = scheduler.quotas();
        for (QuotaEntry q : quotas.values()) {
            String g = q.spec().name();
            metrics.quotaUsedGpus.labelValues(g).set(qt.used(g).gpuMilli() / 1000.0);
            metrics.quotaMinGpus.labelValues(g).set(q.spec().min().gpuMilli() / 1000.0);
            metrics.quotaPendingPods.labelValues(g).set(pending.getOrDefault(g, 0));
            if (q.spec().max().gpuMilli() != Long.MAX_VALUE) metrics.quotaMaxGpus.labelValues(g).set(q.spec().max().gpuMilli() / 1000.0);
        }
    }

    // ---- jobs ------------------------------------------------------------------------------------------------

    /** Validates and queues a job, runs a pass, and returns the job with its placement or why it waits. */
    public Views.Job submitJob(Principal p, JobSpec spec) {
        onLoop();
        if (kubernetesMode) throw ApiException.conflict("Kubernetes mode: create pods with schedulerName gpufleet instead");
        Job job = prepare(p, spec, "");
        if (jobs.containsKey(job.id)) throw ApiException.conflict("job " + job.id + " already exists");
        for (Request r : job.pods) {
            if (podToJob.containsKey(r.name()) || scheduler.state().placement(r.name()) != null) {
                throw ApiException.conflict("pod " + r.name() + " already exists");
            }
        }
        if (job.group != null) {
            gangs.put(job.group.name(), job.group);
            scheduler.submitGang(job.group, job.pods);
        } else {
            for (Request r : job.pods) scheduler.submit(r);
        }
        jobs.put(job.id, job);
        for (Request r : job.pods) {
            podToJob.put(r.name(), job);
            lastReason.put(r.name(), "queued");
        }
        LOG.info("job {} submitted by {}: {} pod(s) of {}", job.id, p.user(), job.pods.size(), spec.resources());
        tick();
        return view(job, p);
    }

    /** Builds the job's requests; every check happens here, before anything changes. */
    private Job prepare(Principal p, JobSpec spec, String podPrefix) {
        spec.validate();
        String ns = spec.namespace();
        if (ns == null) {
            if (p.namespaces().size() == 1) ns = p.namespaces().iterator().next();
            else throw ApiException.badRequest("field 'namespace' is required");
        }
        if (!p.canSee(ns)) throw ApiException.forbidden("user " + p.user() + " may not use namespace " + ns);
        String group = spec.quotaGroup();
        if (group != null) {
            QuotaEntry q = quotas.get(group);
            if (q == null) throw ApiException.badRequest("field 'quotaGroup': group " + group + " is not defined");
            if (q.namespace() != null && !p.canSee(q.namespace())) {
                throw ApiException.forbidden("user " + p.user() + " may not use quota group " + group);
            }
        } else {
            group = defaultGroup(ns);
        }
        String id = ns + "/" + spec.name();
        int n = spec.replicaCount();
        List<Request> pods = new ArrayList<>(n);
        PodGroup pg = null;
        if (spec.gang() != null) {
            int min = spec.gang().minMember() == null ? n : spec.gang().minMember();
            long timeout = spec.gang().scheduleTimeoutSeconds() == null ? 60 : spec.gang().scheduleTimeoutSeconds();
            try {
                pg = new PodGroup(podPrefix + id, min, timeout);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("field 'gang': " + e.getMessage());
            }
        }
        for (int i = 0; i < n; i++) {
            String pod = podPrefix + (n == 1 ? id : id + "-" + i);
            try {
                pods.add(Request.builder(pod).resources(spec.resources()).priority(spec.priority() == null ? 0 : spec.priority())
                        .quotaGroup(group).podGroup(pg == null ? null : pg.name())
                        .allowedModels(spec.gpuModels() == null ? Set.of() : new HashSet<>(spec.gpuModels()))
                        .nodeSelector(spec.nodeSelector()).dataset(spec.dataset()).build());
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("field 'resources': " + e.getMessage());
            }
        }
        Request first = pods.get(0);
        String kind = pg != null ? "gang" : first.gpuCount() > 1 ? "multi-gpu" : n > 1 ? "replicated" : "pod";
        return new Job(id, spec.name(), ns, p.user(), kind, Source.API, spec, pods, pg, clock.instant());
    }

    /** The quota group bound to a namespace (first defined), or {@code null}. */
    public String defaultGroup(String namespace) {
        for (QuotaEntry q : quotas.values()) if (namespace.equals(q.namespace())) return q.spec().name();
        return null;
    }

    public Views.Job getJob(Principal p, String id) {
        onLoop();
        return view(visibleJob(p, id), p);
    }

    public Views.JobList listJobs(Principal p, String namespace) {
        onLoop();
        List<Views.Job> out = new ArrayList<>();
        for (Job j : jobs.values()) {
            if (!p.canSee(j.namespace)) continue;
            if (namespace != null && !namespace.equals(j.namespace)) continue;
            out.add(view(j, p));
        }
        return new Views.JobList(out);
    }

    /** Deletes a job: its pods give back what they hold, the freed room is offered to the queue at once. */
    public Views.Job deleteJob(Principal p, String id) {
        onLoop();
        Job j = visibleJob(p, id);
        if (kubernetesMode && j.source == Source.KUBERNETES) throw ApiException.conflict("Kubernetes mode: delete the pod instead");
        Views.Job before = view(j, p);
        removeJob(j);
        LOG.info("job {} deleted by {}", id, p.user());
        tick();
        return before;
    }

    private void removeJob(Job j) {
        for (Request r : j.pods) {
            scheduler.delete(r.name());
            podToJob.remove(r.name());
            clearReason(r.name());
        }
        if (j.group != null && j.source == Source.API) gangs.remove(j.group.name());
        jobs.remove(j.id);
    }

    private Job visibleJob(Principal p, String id) {
        Job j = jobs.get(id);
        // Another tenant's job answers exactly like a missing one: its existence is not disclosed.
        if (j == null || !p.canSee(j.namespace)) throw ApiException.notFound("job " + id + " not found");
        return j;
    }

    private Views.Job view(Job j, Principal p) {
        List<Views.Pod> pods = new ArrayList<>();
        int bound = 0, holding = 0;
        Set<String> waiting = new HashSet<>(scheduler.waitingPodNames());
        for (Request r : j.pods) {
            Views.Pod v = podView(scheduler, r.name(), waiting);
            if (v.phase().equals("Bound")) bound++;
            if (!v.phase().equals("Pending")) holding++;
            pods.add(v);
        }
        String phase = bound == j.pods.size() ? "Running" : holding > 0 ? "Partial" : "Pending";
        return new Views.Job(j.id, j.name, j.namespace, j.user, j.kind, j.pods.size(), phase,
                j.pods.get(0).quotaGroup(), j.pods.get(0).priority(), j.spec == null ? null : j.spec.resources(),
                j.group == null ? null : j.group.minMember(), j.submitted.toString(), pods);
    }

    private Views.Pod podView(Scheduler s, String pod, Set<String> waiting) {
        ClusterState.Placement pl = s.state().placement(pod);
        if (pl != null) {
            boolean w = waiting.contains(pod);
            return new Views.Pod(pod, w ? "Waiting" : "Bound", pl.allocation().node(), pl.allocation().gpus(),
                    w ? lastReason.get(pod) : null, null);
        }
        return new Views.Pod(pod, "Pending", null, null, lastReason.getOrDefault(pod, "queued"), lastRejections.get(pod));
    }

    // ---- nodes and quotas ------------------------------------------------------------------------------------

    public Views.NodeList nodes(Principal p) {
        onLoop();
        List<Views.Node> out = new ArrayList<>();
        for (NodeState n : scheduler.state().nodes()) out.add(nodeView(n, p));
        return new Views.NodeList(out);
    }

    public Views.Node node(Principal p, String name) {
        onLoop();
        NodeState n = scheduler.state().node(name);
        if (n == null) throw ApiException.notFound("node " + name + " not found");
        return nodeView(n, p);
    }

    private Views.Node nodeView(NodeState n, Principal p) {
        Map<Integer, List<String>> onGpu = new HashMap<>();
        for (String pod : n.pods()) {
            ClusterState.Placement pl = scheduler.state().placement(pod);
            if (pl == null) continue;
            String shown = p.canSee(namespaceOf(pod)) ? pod : "(other namespace)";
            for (GpuAssignment.Share s : pl.allocation().gpus()) onGpu.computeIfAbsent(s.index(), k -> new ArrayList<>()).add(shown);
        }
        List<Views.Gpu> gpus = new ArrayList<>();
        int free = 0;
        for (io.gpufleet.scheduler.model.Gpu g : n.node().gpus()) {
            int i = g.index();
            if (n.healthy(i) && n.coreFree(i) == io.gpufleet.scheduler.model.Gpu.COMPUTE_MILLI && n.memoryFree(i) == n.cardMemory(i)) free++;
            gpus.add(new Views.Gpu(i, g.uuid(), g.model(), g.memoryMiB(), n.memoryFree(i), n.coreFree(i), n.healthy(i),
                    onGpu.getOrDefault(i, List.of()), faultsOf(n.name(), i)));
        }
        long allocMilli = 0;
        for (int i = 0; i < n.gpuCount(); i++) allocMilli += io.gpufleet.scheduler.model.Gpu.COMPUTE_MILLI - n.coreFree(i);
        Node spec = n.node();
        return new Views.Node(n.name(), spec.labels(), spec.cpuMilli() / 1000.0, n.cpuFree() / 1000.0, spec.memoryMiB(),
                n.memoryFree(), n.gpuCount(), free, allocMilli / 1000.0, gpus);
    }

    static String namespaceOf(String pod) {
        int i = pod.indexOf('/');
        return i < 0 ? "" : pod.substring(0, i);
    }

    public Views.QuotaList quotas(Principal p) {
        onLoop();
        Set<String> visible = visibleQuotas(p);
        List<Views.Quota> out = new ArrayList<>();
        for (QuotaEntry q : quotas.values()) if (visible.contains(q.spec().name())) out.add(quotaView(q));
        return new Views.QuotaList(out);
    }

    public Views.Quota quota(Principal p, String name) {
        onLoop();
        QuotaEntry q = quotas.get(name);
        if (q == null || !visibleQuotas(p).contains(name)) throw ApiException.notFound("quota group " + name + " not found");
        return quotaView(q);
    }

    /** A user sees the groups of their namespaces and those groups' ancestors (the tree they sit in). */
    private Set<String> visibleQuotas(Principal p) {
        Set<String> out = new TreeSet<>();
        for (QuotaEntry q : quotas.values()) {
            if (p.admin() || (q.namespace() != null && p.canSee(q.namespace()))) {
                for (String g = q.spec().name(); g != null && out.add(g); g = quotas.get(g).spec().parent()) {
                    if (!quotas.containsKey(g)) break;
                }
            }
        }
        return out;
    }

    private Views.Quota quotaView(QuotaEntry q) {
        String name = q.spec().name();
        Resources used = scheduler.quotas().used(name);
        Resources min = q.spec().min();
        Resources borrowed = new Resources(Math.max(0, used.gpuMilli() - min.gpuMilli()),
                Math.max(0, used.gpuMemoryMiB() - min.gpuMemoryMiB()), Math.max(0, used.cpuMilli() - min.cpuMilli()));
        List<String> children = new ArrayList<>();
        for (QuotaEntry c : quotas.values()) if (name.equals(c.spec().parent())) children.add(c.spec().name());
        return new Views.Quota(name, q.spec().parent(), q.namespace(), QuotaInput.Amount.of(min),
                QuotaInput.Amount.of(q.spec().max()), QuotaInput.Amount.of(used), QuotaInput.Amount.of(borrowed), children);
    }

    /** Creates or replaces a quota group (admins only); the whole tree is re-validated and usage re-checked. */
    public Views.Quota putQuota(Principal p, String name, QuotaInput in) {
        onLoop();
        if (!p.admin()) throw ApiException.forbidden("only admins change quotas");
        QuotaSpec spec = in.toSpec(name);
        Map<String, QuotaEntry> next = new LinkedHashMap<>(quotas);
        next.put(name, new QuotaEntry(spec, in.namespace()));
        replaceQuotas(next, true);
        LOG.info("quota {} set by {}: min {} max {}", name, p.user(), spec.min(), spec.max());
        return quotaView(quotas.get(name));
    }

    public Views.Quota deleteQuota(Principal p, String name) {
        onLoop();
        if (!p.admin()) throw ApiException.forbidden("only admins change quotas");
        QuotaEntry q = quotas.get(name);
        if (q == null) throw ApiException.notFound("quota group " + name + " not found");
        for (QuotaEntry c : quotas.values()) {
            if (name.equals(c.spec().parent())) throw ApiException.conflict("quota group " + name + " has child " + c.spec().name());
        }
        for (Job j : jobs.values()) {
            if (name.equals(j.pods.get(0).quotaGroup())) throw ApiException.conflict("quota group " + name + " is used by job " + j.id);
        }
        Views.Quota before = quotaView(q);
        Map<String, QuotaEntry> next = new LinkedHashMap<>(quotas);
        next.remove(name);
        replaceQuotas(next, true);
        return before;
    }

    /** Replaces the whole quota model (Kubernetes mode: from ElasticQuota and QuotaTree objects). */
    public void setQuotas(Collection<QuotaEntry> entries) {
        onLoop();
        Map<String, QuotaEntry> next = new LinkedHashMap<>();
        for (QuotaEntry e : entries) next.put(e.spec().name(), e);
        replaceQuotas(next, false);
    }

    private void replaceQuotas(Map<String, QuotaEntry> next, boolean strict) {
        Scheduler s = build(nodes.values(), next.values(), strict, scheduler);
        for (String gone : quotas.keySet()) {
            if (next.containsKey(gone)) continue;
            metrics.quotaUsedGpus.remove(gone);
            metrics.quotaMinGpus.remove(gone);
            metrics.quotaPendingPods.remove(gone);
            metrics.quotaMaxGpus.remove(gone);
        }
        quotas.clear();
        quotas.putAll(next);
        swap(s);
    }

    // ---- what-if ---------------------------------------------------------------------------------------------

    /** Where the job's pods would go now and whom that would preempt, on a copy: nothing changes. */
    public Views.WhatIf whatIf(Principal p, JobSpec spec) {
        onLoop();
        Job job = prepare(p, spec, "what-if:");
        Scheduler copy = build(nodes.values(), quotas.values(), true, scheduler);
        if (job.group != null) copy.defineGang(job.group);
        List<String> preempted = new ArrayList<>();
        String reason = null;
        for (Request r : job.pods) {
            Decision d = copy.schedule(r);
            for (Allocation v : d.victims()) preempted.add(v.pod());
            if (!d.placed() && reason == null) reason = r.name().substring("what-if:".length()) + ": " + d.reason();
            if (!d.placed()) {
                lastReason.put(r.name(), d.reason());
                if (d.rejections().count() > 0) lastRejections.put(r.name(), d.rejections().summary());
            }
        }
        Set<String> waiting = new HashSet<>(copy.waitingPodNames());
        List<Views.Pod> pods = new ArrayList<>();
        boolean fits = true;
        for (Request r : job.pods) {
            Views.Pod v = podView(copy, r.name(), waiting);
            clearReason(r.name());
            fits &= v.phase().equals("Bound");
            pods.add(new Views.Pod(r.name().substring("what-if:".length()), v.phase(), v.node(), v.gpus(), v.reason(), v.rejections()));
        }
        return new Views.WhatIf(fits, fits ? null : reason, pods, preempted);
    }

    // ---- scheduler-extender (kube-scheduler decides the node, gpufleet the GPUs) ------------------------------

    /** Filter: for each candidate node, {@code null} when the pod fits, else why not. Nothing is reserved. */
    public Map<String, Rejection> extenderFilter(PodInfo pod, List<String> nodeNames) {
        onLoop();
        Request r = pod.toRequest(defaultGroup(pod.namespace()));
        ensureGang(r);
        extenderPods.put(r.name(), r);
        rememberUid(pod);
        return scheduler.filterNodes(r, nodeNames);
    }

    /**
     * Prioritize: 0..10 per node, the node's GPU (or, for CPU-only pods, CPU) utilisation after placing the pod —
     * a binpack preference; nodes where it does not fit get 0. The exact GPUs are chosen
     * at bind with the full card-level policy.
     */
    public Map<String, Integer> extenderPrioritize(PodInfo pod, List<String> nodeNames) {
        onLoop();
        Request r = pod.toRequest(defaultGroup(pod.namespace()));
        ensureGang(r);
        Map<String, Rejection> fit = scheduler.filterNodes(r, nodeNames);
        Map<String, Integer> out = new LinkedHashMap<>();
        for (String n : nodeNames) {
            NodeState ns = scheduler.state().node(n);
            if (ns == null || fit.get(n) != null) {
                out.put(n, 0);
                continue;
            }
            double u;
            if (r.gpuCount() > 0 && ns.gpuMilliCapacity() > 0) {
                long ask = (long) r.gpuCount() * r.coreOnCard();
                u = (double) (ns.gpuMilliCapacity() - ns.freeGpuMilli() + ask) / ns.gpuMilliCapacity();
            } else {
                long cap = ns.node().cpuMilli();
                u = cap == 0 ? 0 : (double) (cap - ns.cpuFree() + r.cpuMilli()) / cap;
            }
            out.put(n, (int) Math.max(0, Math.min(10, Math.round(u * 10))));
        }
        return out;
    }

    /** Bind: picks the GPUs on the node kube-scheduler chose and takes them; {@code null} or the error. */
    public String extenderBind(String namespace, String name, String node) {
        onLoop();
        String key = namespace + "/" + name;
        Request r = extenderPods.get(key);
        if (r == null) return "pod " + key + " was not seen by filter; gpufleet does not know what it asks";
        NodeState ns = scheduler.state().node(node);
        if (ns == null) return "node " + node + " is unknown to gpufleet";
        Rejection why = scheduler.filterNodes(r, List.of(node)).get(node);
        if (why != null) return "pod " + key + " does not fit on " + node + ": " + why;
        String err = adoptOn(r, ns);
        if (err != null) return err;
        extenderPods.remove(key);
        Allocation a = scheduler.state().placement(key).allocation();
        for (Listener l : listeners) l.bound(a);
        metrics.decisions.labelValues("bound").inc();
        refreshGauges();
        return null;
    }

    private String adoptOn(Request r, NodeState ns) {
        int mask = 0;
        if (r.gpuCount() > 0) {
            long models = -1L;
            if (!r.allowedModels().isEmpty()) {
                models = 0;
                for (String m : r.allowedModels()) {
                    int id = scheduler.state().modelId(m);
                    if (id >= 0) models |= 1L << id;
                }
            }
            mask = scheduler.allocator().pick(ns, r, ns.cardsOfModels(models));
            if (mask == 0) return "no set of GPUs on " + ns.name() + " fits pod " + r.name();
        }
        return scheduler.adopt(new Allocation(r, ns.name(), CardAllocator.shares(ns, r, mask)));
    }

    /**
     * Preempt: of kube-scheduler's candidate nodes and victims, keeps the nodes where the pod fits once the victims
     * gpufleet knows are gone (checked by removing them and putting them back). Victims are {@code namespace/name}.
     */
    public Map<String, List<String>> extenderPreempt(PodInfo pod, Map<String, List<String>> candidates) {
        onLoop();
        Request r = pod.toRequest(defaultGroup(pod.namespace()));
        ensureGang(r);
        ClusterState st = scheduler.state();
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> e : candidates.entrySet()) {
            List<ClusterState.Placement> removed = new ArrayList<>();
            for (String v : e.getValue()) {
                ClusterState.Placement pl = st.placement(v);
                if (pl != null && pl.allocation().node().equals(e.getKey())) {
                    st.forget(v);
                    removed.add(pl);
                }
            }
            Rejection why = scheduler.filterNodes(r, List.of(e.getKey())).get(e.getKey());
            for (ClusterState.Placement pl : removed) st.restore(pl);
            if (why == null) out.put(e.getKey(), e.getValue());
        }
        return out;
    }

    private void rememberUid(PodInfo pod) {
        if (pod.uid() != null && !pod.uid().isBlank()) uids.put(pod.uid(), pod.key());
    }

    /** The pod key of a UID, or {@code null} when the pod was never seen. */
    public String podOfUid(String uid) {
        onLoop();
        return uids.get(uid);
    }

    private void ensureGang(Request r) {
        if (r.podGroup() != null && !gangs.containsKey(r.podGroup())) {
            throw ApiException.badRequest("pod " + r.name() + ": PodGroup " + r.podGroup() + " is not known to gpufleet");
        }
    }

    // ---- cluster model changes (Kubernetes mode, fault stream) --------------------------------------------------

    /** Adds a node, or replaces one whose spec changed (then the scheduler is rebuilt around it). */
    public void upsertNode(Node n) {
        onLoop();
        Node old = nodes.get(n.name());
        if (n.equals(old)) return;
        nodes.put(n.name(), n);
        if (old == null) {
            scheduler.state().addNode(n);
        } else {
            swap(build(nodes.values(), quotas.values(), false, scheduler));
        }
        LOG.info("node {} {} ({} GPUs)", n.name(), old == null ? "added" : "updated", n.gpus().size());
    }

    /** Removes a node; pods placed there lose their placement and are queued again if they are jobs. */
    public void removeNode(String name) {
        onLoop();
        if (nodes.remove(name) == null) return;
        unhealthy.remove(name);
        gpuFaults.remove(name);
        swap(build(nodes.values(), quotas.values(), false, scheduler));
        LOG.info("node {} removed", name);
    }

    public Set<String> nodeNames() {
        onLoop();
        return Set.copyOf(nodes.keySet());
    }

    /** Indices of the node's GPUs; empty when the node is not in the model. */
    public List<Integer> gpuIndices(String node) {
        onLoop();
        NodeState n = scheduler.state().node(node);
        if (n == null) return List.of();
        List<Integer> out = new ArrayList<>(n.gpuCount());
        for (io.gpufleet.scheduler.model.Gpu g : n.node().gpus()) out.add(g.index());
        return out;
    }

    /** Whether the GPU is in the pool; false when the node or GPU is not in the model. */
    public boolean isGpuHealthy(String node, int index) {
        onLoop();
        NodeState n = scheduler.state().node(node);
        return n != null && index >= 0 && index < n.gpuCount() && n.healthy(index);
    }

    /** Records the active faults holding a GPU out of service, for the node view; an empty list clears them. */
    public void setGpuFaults(String node, int index, Collection<String> faultIds) {
        onLoop();
        if (faultIds.isEmpty()) {
            Map<Integer, List<String>> m = gpuFaults.get(node);
            if (m != null) {
                m.remove(index);
                if (m.isEmpty()) gpuFaults.remove(node);
            }
        } else {
            gpuFaults.computeIfAbsent(node, k -> new HashMap<>()).put(index, List.copyOf(new TreeSet<>(faultIds)));
        }
    }

    private List<String> faultsOf(String node, int index) {
        Map<Integer, List<String>> m = gpuFaults.get(node);
        return m == null ? List.of() : m.getOrDefault(index, List.of());
    }

    /** Marks a GPU unhealthy or healthy again; returns the pods on it (reported to listeners when unhealthy). */
    public List<Allocation> setGpuHealth(String node, int index, boolean healthy) {
        onLoop();
        if (!nodes.containsKey(node)) throw ApiException.notFound("node " + node + " not found");
        List<Allocation> on;
        try {
            on = scheduler.setGpuHealth(node, index, healthy);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        if (healthy) {
            Set<Integer> s = unhealthy.get(node);
            if (s != null) s.remove(index);
        } else {
            unhealthy.computeIfAbsent(node, k -> new HashSet<>()).add(index);
            for (Allocation a : on) for (Listener l : listeners) l.evicted(a, "GPU " + index + " of " + node + " is unhealthy");
        }
        refreshGauges();
        return on;
    }

    /** Declares a gang (Kubernetes PodGroup); members that arrived before it are queued now. */
    public void defineGang(PodGroup g) {
        onLoop();
        gangs.put(g.name(), g);
        scheduler.defineGang(g);
        for (Request r : new ArrayList<>(parked.values())) {
            if (g.name().equals(r.podGroup())) {
                parked.remove(r.name());
                scheduler.submit(r);
            }
        }
    }

    /** Queues a pending Kubernetes pod (idempotent: a pod already known is left alone). */
    public void submitPod(PodInfo pod) {
        onLoop();
        String key = pod.key();
        rememberUid(pod);
        if (podToJob.containsKey(key)) return;
        Request r;
        try {
            r = pod.toRequest(defaultGroup(pod.namespace()));
        } catch (ApiException e) {
            lastReason.put(key, e.getMessage());
            for (Listener l : listeners) l.unschedulable(key, e.getMessage());
            return;
        }
        Job j = new Job(key, pod.name(), pod.namespace(), "kubernetes", r.podGroup() != null ? "gang-member" : "pod",
                Source.KUBERNETES, null, List.of(r), r.podGroup() == null ? null : gangs.get(r.podGroup()), clock.instant());
        jobs.put(key, j);
        podToJob.put(key, j);
        if (r.podGroup() != null && !gangs.containsKey(r.podGroup())) {
            parked.put(key, r);
            lastReason.put(key, "waiting for PodGroup " + r.podGroup());
            return;
        }
        scheduler.submit(r);
        lastReason.put(key, "queued");
    }

    /**
     * Takes a pod that is already bound with a GPU assignment (restart: the state is rebuilt from annotations).
     *
     * @return {@code null} when taken, else why not
     */
    public String adoptPod(PodInfo pod, GpuAssignment assignment) {
        return adoptRunning(pod, r -> {
            String node = assignment.node() != null ? assignment.node() : pod.nodeName();
            return node == null ? "pod " + pod.key() + " has no node" : book(pod, r, node, assignment.gpus());
        });
    }

    /**
     * A pod another scheduler bound (no gpufleet assignment) is counted against its node, so gpufleet never
     * over-commits the node's CPU, memory or GPUs. The device plugin chose its GPUs and does not say which:
     * gpufleet books as many healthy free cards as the pod asks for (the ones its own allocator would pick), so the
     * counts are right though the exact devices may differ.
     */
    public String adoptForeignPod(PodInfo pod) {
        return adoptRunning(pod, r -> {
            NodeState n = scheduler.state().node(pod.nodeName());
            if (n == null) return "node " + pod.nodeName() + " is not known yet";
            int mask = FOREIGN_CARDS.pick(n, r, -1);
            if (r.gpuCount() > 0 && mask == 0) {
                return "node " + pod.nodeName() + " has no " + r.gpuCount() + " free GPUs left to book for it";
            }
            return book(pod, r, pod.nodeName(), CardAllocator.shares(n, r, mask));
        });
    }

    /** What both adoptions share: a pod placed already is taken as it is; one that cannot be read is refused. */
    private String adoptRunning(PodInfo pod, java.util.function.Function<Request, String> book) {
        onLoop();
        rememberUid(pod);
        if (scheduler.state().placement(pod.key()) != null) return null;
        Request r;
        try {
            r = pod.toRequest(defaultGroup(pod.namespace()));
        } catch (ApiException e) {
            return e.getMessage();
        }
        return book.apply(r);
    }

    private static final CardAllocator FOREIGN_CARDS = new CardAllocator(CardPolicy.BINPACK);

    /** Adopts a placement made outside this scheduler and tracks it as a Kubernetes job. */
    private String book(PodInfo pod, Request r, String node, List<GpuAssignment.Share> shares) {
        String key = pod.key();
        String err;
        try {
            err = scheduler.adopt(new Allocation(r, node, shares));
        } catch (IllegalArgumentException | IllegalStateException e) {
            err = e.getMessage();
        }
        if (err != null) return err;
        Job j = new Job(key, pod.name(), pod.namespace(), "kubernetes", r.podGroup() != null ? "gang-member" : "pod",
                Source.KUBERNETES, null, List.of(r), r.podGroup() == null ? null : gangs.get(r.podGroup()), clock.instant());
        jobs.put(key, j);
        podToJob.put(key, j);
        clearReason(key);
        return null;
    }

    /** A Kubernetes pod is gone (or finished): what it held is freed. */
    public void podDeleted(String key) {
        onLoop();
        parked.remove(key);
        Job j = podToJob.get(key);
        if (j != null) removeJob(j);
        else scheduler.delete(key);
    }

    /** Whether a pod is placed (bound or holding at Permit). */
    public Allocation placement(String pod) {
        onLoop();
        ClusterState.Placement pl = scheduler.state().placement(pod);
        return pl == null ? null : pl.allocation();
    }

    /** A placement the outside world failed to carry out (binding refused): the pod gives it back and queues again. */
    public void unbind(String pod, String reason) {
        onLoop();
        Job j = podToJob.get(pod);
        scheduler.delete(pod);
        lastReason.put(pod, reason);
        if (j != null) for (Request r : j.pods) if (r.name().equals(pod)) scheduler.submit(r);
    }

    // ---- rebuilding --------------------------------------------------------------------------------------------

    /**
     * A scheduler over the given model with every placement of {@code from} re-adopted (pods waiting at Permit go
     * back to the queue) and every known unplaced pod queued. Strict: a placement that no longer fits refuses
     * the change (409); otherwise that pod is queued again.
     */
    private Scheduler build(Collection<Node> ns, Collection<QuotaEntry> qs, boolean strict, Scheduler from) {
        ClusterState st = new ClusterState();
        for (Node n : ns) st.addNode(n);
        QuotaTree tree;
        try {
            List<QuotaSpec> specs = new ArrayList<>();
            for (QuotaEntry q : qs) specs.add(q.spec());
            tree = new QuotaTree(specs);
        } catch (IllegalArgumentException e) {
            if (strict) throw ApiException.badRequest(e.getMessage());
            LOG.warn("quota tree rejected, running without quotas: {}", e.getMessage());
            tree = QuotaTree.empty();
        }
        Scheduler s = Schedulers.create(st, tree, profile, clock);
        for (PodGroup g : gangs.values()) s.defineGang(g);
        Set<String> placed = new HashSet<>();
        Set<String> wasPlaced = new HashSet<>();
        if (from != null) {
            Set<String> waiting = new HashSet<>(from.waitingPodNames());
            for (ClusterState.Placement pl : from.state().placements()) {
                if (waiting.contains(pl.allocation().pod())) continue;
                wasPlaced.add(pl.allocation().pod());
                String err;
                try {
                    err = s.adopt(pl.allocation());
                } catch (IllegalArgumentException | IllegalStateException e) {
                    err = e.getMessage();
                }
                if (err == null) {
                    placed.add(pl.allocation().pod());
                } else if (strict) {
                    throw ApiException.conflict("the change does not fit what runs now: " + err);
                } else {
                    LOG.warn("pod {} lost its placement in the rebuild: {}", pl.allocation().pod(), err);
                }
            }
        }
        for (Map.Entry<String, Set<Integer>> e : unhealthy.entrySet()) {
            if (st.node(e.getKey()) == null) continue;
            for (int i : e.getValue()) s.setGpuHealth(e.getKey(), i, false);
        }
        if (from != null) {
            for (Job j : jobs.values()) {
                for (Request r : j.pods) {
                    if (placed.contains(r.name()) || parked.containsKey(r.name())) continue;
                    // A Kubernetes pod that runs but no longer fits the model (its node changed, its quota shrank)
                    // is left running and unaccounted, never placed a second time.
                    if (j.source == Source.KUBERNETES && wasPlaced.contains(r.name())) continue;
                    if (r.podGroup() != null && !gangs.containsKey(r.podGroup())) continue;
                    if (r.quotaGroup() != null && !tree.isEmpty() && !tree.contains(r.quotaGroup()) && strict) {
                        throw ApiException.conflict("pod " + r.name() + " uses quota group " + r.quotaGroup() + " that the change removes");
                    }
                    s.submit(r);
                }
            }
        }
        return s;
    }

    private void swap(Scheduler s) {
        scheduler = s;
        refreshGauges();
    }
}
