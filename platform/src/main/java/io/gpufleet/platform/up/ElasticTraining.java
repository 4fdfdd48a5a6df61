package io.gpufleet.platform.up;

import io.gpufleet.autoscaler.controller.TargetState;
import io.gpufleet.autoscaler.training.ElasticJobApi;
import io.gpufleet.scheduler.api.DecisionLoop;
import io.gpufleet.scheduler.api.Principal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The elastic training job the autoscaler resizes in {@code fleet up}: {@value #NAMESPACE}/{@value #NAME}, a PyTorchJob
 * of 1-GPU workers between {@value #MIN} and {@value #MAX} ({@code spec.elasticPolicy}), each worker a scheduler job
 * submitted by {@code erin} that runs at 90 % on its GPU once placed. The workers are separate scheduler jobs, so there
 * is no gang object to resize (as the resizer allows).
 */
final class ElasticTraining implements ElasticJobApi {
    static final String NAMESPACE = "team-b", NAME = "llm-pretrain";
    static final int MIN = 2, MAX = 6;

    private final ReplicaJobs jobs;
    /** Worker pods by index. */
    private final List<String> workers = new ArrayList<>();
    private int minMember;

    ElasticTraining(DecisionLoop loop, PlacedWork work, int initialWorkers) {
        this.jobs = new ReplicaJobs(loop, work, new Principal("erin", Set.of(NAMESPACE), false));
        setWorkers(NAMESPACE, NAME, initialWorkers);
    }

    private static void check(String namespace, String name) {
        if (!NAMESPACE.equals(namespace) || !NAME.equals(name)) {
            throw new IllegalArgumentException("no PyTorchJob " + namespace + "/" + name + " (fleet up runs " + NAMESPACE + "/" + NAME + ")");
        }
    }

    @Override
    public synchronized JobSpec read(String namespace, String name) {
        check(namespace, name);
        return new JobSpec(workers.size(), 0, MIN, MAX, 1, false);
    }

    @Override
    public synchronized List<TargetState.Replica> workers(String namespace, String name) {
        check(namespace, name);
        return workers.stream().map(p -> jobs.replica(p, 0)).toList();
    }

    /** Adds workers with the next indices or removes the highest, as the training operator does. */
    @Override
    public synchronized void setWorkers(String namespace, String name, int n) {
        check(namespace, name);
        if (n < 0) throw new IllegalArgumentException("workers: must be >= 0, was " + n);
        while (workers.size() < n) {
            String pod = NAME + "-worker-" + workers.size();
            workers.add(jobs.create(new io.gpufleet.scheduler.api.JobSpec(pod, NAMESPACE, null,
                    Map.of("nvidia.com/gpu", "1", "cpu", "8", "memory", "64Gi"), null, null, null, null, null, null),
                    new PlacedWork.PodWork(NAMESPACE, pod, 0.9, 0.8)));
        }
        while (workers.size() > n) jobs.delete(workers.remove(workers.size() - 1));
    }

    @Override
    public synchronized void setGangMinMember(String namespace, String name, int minMember) {
        check(namespace, name);
        this.minMember = minMember;
    }

    /** Workers in the spec and the gang size last asked for. */
    synchronized int[] counts() {
        return new int[] {workers.size(), minMember};
    }
}
