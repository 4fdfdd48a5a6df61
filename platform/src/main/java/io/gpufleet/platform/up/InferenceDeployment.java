package io.gpufleet.platform.up;

import io.gpufleet.autoscaler.actuate.ScaleApi;
import io.gpufleet.autoscaler.controller.SignalSource;
import io.gpufleet.autoscaler.controller.TargetState;
import io.gpufleet.autoscaler.controller.Workloads;
import io.gpufleet.autoscaler.policy.ScalingPolicy;
import io.gpufleet.scheduler.api.DecisionLoop;
import io.gpufleet.scheduler.api.JobSpec;
import io.gpufleet.scheduler.api.Principal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The synthetic inference Deployment the autoscaler scales in {@code fleet up}: its scale subresource (the
 * replica count the controller writes), its pods (one scheduler job of one GPU per replica, named as a
 * Deployment's pods so the analytics job reports them as one workload), and its GPU utilization per replica, which
 * follows a {@link DemandCurve} spread over the replicas that run, as a serving replica's load follows its traffic.
 */
final class InferenceDeployment implements ScaleApi, Workloads, SignalSource {
    static final String NAMESPACE = "inference", NAME = "chat";
    /** The ReplicaSet hash of the pod names: a Deployment's pods are {@code <name>-<hash>-<5 characters>}. */
    private static final String HASH = "5d8f7c9b4";
    private static final Principal CONTROLLER = new Principal("deployment-controller", Set.of(NAMESPACE), false);

    private final ReplicaJobs jobs;
    private final PlacedWork work;
    private final DemandCurve demand;
    private final LongSupplier nanos;
    private final long start;
    /** Replica pods (scheduler {@code namespace/name}) in creation order. */
    private final List<String> pods = new ArrayList<>();
    private final Map<String, Integer> deletionCost = new HashMap<>();
    private int replicas;
    private long created;
    private double perReplica;
    private double load;

    InferenceDeployment(DecisionLoop loop, PlacedWork work, DemandCurve demand, int initialReplicas, LongSupplier nanos) {
        this.jobs = new ReplicaJobs(loop, work, CONTROLLER);
        this.work = work;
        this.demand = demand;
        this.nanos = nanos;
        this.start = nanos.getAsLong();
        setReplicas(NAMESPACE, ScalingPolicy.TargetKind.Deployment, NAME, initialReplicas);
    }

    // ---- scale subresource ---------------------------------------------------------------------------------------

    @Override
    public synchronized int replicas(String namespace, ScalingPolicy.TargetKind kind, String name) {
        check(namespace, name);
        return replicas;
    }

    /** Creates or deletes replica pods to match (lowest deletion cost first, as the ReplicaSet controller does). */
    @Override
    public synchronized void setReplicas(String namespace, ScalingPolicy.TargetKind kind, String name, int n) {
        check(namespace, name);
        if (n < 0) throw new IllegalArgumentException("replicas: must be >= 0, was " + n);
        replicas = n;
        while (pods.size() < n) create();
        if (pods.size() > n) {
            List<String> order = new ArrayList<>(pods);
            // unplaced pods first, then the lowest deletion cost, then the newest
            order.sort(Comparator.comparing((String p) -> work.isRunning(p))
                    .thenComparing(p -> deletionCost.getOrDefault(p, 0))
                    .thenComparing(p -> -pods.indexOf(p)));
            for (String p : order.subList(0, pods.size() - n)) delete(p);
        }
        retune();
    }

    private void check(String namespace, String name) {
        if (!NAMESPACE.equals(namespace) || !NAME.equals(name)) {
            throw new IllegalArgumentException("no deployment " + namespace + "/" + name + " (fleet up runs " + NAMESPACE + "/" + NAME + ")");
        }
    }

    private void create() {
        String jobName = NAME + "-" + HASH + "-" + SyntheticJobs.code(++created, 'r');
        JobSpec spec = new JobSpec(jobName, NAMESPACE, null, Map.of("nvidia.com/gpu", "1", "cpu", "4", "memory", "32Gi"),
                null, null, 10, null, null, null);
        pods.add(jobs.create(spec, new PlacedWork.PodWork(NAMESPACE, jobName, perReplica, 0.6)));
    }

    private void delete(String pod) {
        pods.remove(pod);
        deletionCost.remove(pod);
        jobs.delete(pod);
    }

    // ---- load ------------------------------------------------------------------------------------------------

    /**
     * Spreads the current load over the running replicas and restarts their work when the per-replica
     * utilization moved by more than 3 points (the simulated GPUs then report it).
     */
    synchronized void retune() {
        load = demand.at(Duration.ofNanos(nanos.getAsLong() - start));
        long running = pods.stream().filter(work::isRunning).count();
        perReplica = running == 0 ? Math.min(1, load) : Math.min(1, load / running);
        for (String p : pods) {
            if (Math.abs(work.utilizationOf(p) - perReplica) > 0.03) work.retune(p, perReplica, 0.3 + 0.5 * perReplica);
        }
    }

    /** The load now, in replicas' worth of work. */
    synchronized double load() {
        return load;
    }

    // ---- what the controller reads ---------------------------------------------------------------------------

    @Override
    public synchronized TargetState observe(ScalingPolicy policy) {
        check(policy.namespace(), policy.target().name());
        List<TargetState.Replica> out = new ArrayList<>();
        for (String p : pods) out.add(jobs.replica(p, deletionCost.getOrDefault(p, 0)));
        return new TargetState(replicas, 1, out);
    }

    @Override
    public synchronized void setDeletionCost(String namespace, String pod, int cost) {
        if (NAMESPACE.equals(namespace)) deletionCost.put(namespace + "/" + pod, cost);
    }

    @Override
    public synchronized Map<String, Double> perReplica(ScalingPolicy policy, ScalingPolicy.MetricSpec metric, List<String> names) {
        Map<String, Double> out = new LinkedHashMap<>();
        if (metric.source() != ScalingPolicy.MetricSource.GpuUtilization) return out;
        for (String n : names) {
            String p = NAMESPACE + "/" + n;
            if (work.isRunning(p)) out.put(n, work.utilizationOf(p) * 100);
        }
        return out;
    }

    @Override
    public OptionalDouble total(ScalingPolicy policy, ScalingPolicy.MetricSpec metric) {
        return OptionalDouble.empty();
    }

    /** Replicas in the spec and replicas running. */
    synchronized int[] replicaCounts() {
        return new int[] {replicas, (int) pods.stream().filter(work::isRunning).count()};
    }
}
