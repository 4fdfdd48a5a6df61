package io.gpufleet.platform.up;

import io.gpufleet.scheduler.api.ApiException;
import io.gpufleet.scheduler.api.DecisionLoop;
import io.gpufleet.scheduler.api.JobSpec;
import io.gpufleet.scheduler.api.Principal;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pods of the workloads the autoscaler scales (serving replicas, training workers), as scheduler jobs of one pod
 * each, registered with {@link PlacedWork} so they run on the simulated GPUs once placed.
 */
final class ReplicaJobs {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaJobs.class);

    private final DecisionLoop loop;
    private final PlacedWork work;
    private final Principal owner;

    ReplicaJobs(DecisionLoop loop, PlacedWork work, Principal owner) {
        this.loop = loop;
        this.work = work;
        this.owner = owner;
    }

    /**
     * Submits a one-pod job that runs {@code load} once placed; its pod is {@code namespace/name}.
     *
     * @throws RuntimeException the scheduler's refusal (an {@link ApiException}) or its silence
     */
    String create(JobSpec spec, PlacedWork.PodWork load) {
        String pod = spec.namespace() + "/" + spec.name();
        work.register(pod, load);
        try {
            loop.call(s -> s.submitJob(owner, spec)).get(10, TimeUnit.SECONDS);
            return pod;
        } catch (ExecutionException e) {
            work.release(pod);
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            work.release(pod);
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            throw new IllegalStateException("the scheduler did not take " + pod + ": " + e, e);
        }
    }

    /** Deletes the pod's job and stops its work; an already gone job is fine. */
    void delete(String pod) {
        work.release(pod);
        try {
            loop.call(s -> s.deleteJob(owner, pod)).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof ApiException)) LOG.warn("deleting {}: {}", pod, e.getCause().toString());
        } catch (InterruptedException | TimeoutException e) {
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            LOG.warn("deleting {}: {}", pod, e.toString());
        }
    }

    /** The autoscaler's view of a pod: ready once placed and running, else pending without a node. */
    io.gpufleet.autoscaler.controller.TargetState.Replica replica(String pod, int deletionCost) {
        String name = pod.substring(pod.indexOf('/') + 1);
        boolean on = work.isRunning(pod);
        return new io.gpufleet.autoscaler.controller.TargetState.Replica(
                on ? io.gpufleet.autoscaler.hpa.PodStatus.ready(name) : io.gpufleet.autoscaler.hpa.PodStatus.pending(name),
                work.nodeOf(pod), false, false, deletionCost);
    }
}
