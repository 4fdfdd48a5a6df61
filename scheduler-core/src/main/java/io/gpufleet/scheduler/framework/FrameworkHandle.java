package io.gpufleet.scheduler.framework;

import io.gpufleet.scheduler.allocator.CardAllocator;
import io.gpufleet.scheduler.gang.GangRegistry;
import io.gpufleet.scheduler.model.Request;
import io.gpufleet.scheduler.quota.QuotaTree;
import io.gpufleet.scheduler.quota.Resources;
import io.gpufleet.scheduler.state.ClusterState;
import io.gpufleet.scheduler.state.NodeState;
import java.time.Clock;
import java.util.Collection;

/** What the framework offers plugins: shared state and the few framework actions plugins may request. */
public interface FrameworkHandle {
    ClusterState state();

    QuotaTree quotas();

    GangRegistry gangs();

    Clock clock();

    Profile profile();

    CardAllocator allocator();

    /** Cluster capacity of healthy and unhealthy GPUs, GPU memory and CPU (the DRF denominator). */
    Resources clusterCapacity();

    Collection<WaitingPod> waitingPods();

    /** Lets a waiting pod through Permit: the framework binds it now. */
    void allowWaiting(String pod);

    /** Rejects a waiting pod: the framework unreserves it (its capacity returns at once). */
    void rejectWaiting(String pod, String reason);

    /**
     * Runs the profile's Filter plugins and the card allocator for {@code request} on {@code node} against the
     * current state: {@code null} when it fits. Used by preemption to test a node with victims removed.
     */
    Rejection tryNode(CycleState cycle, Request request, NodeState node);

    /**
     * Runs the PreFilter plugins for a pod that is not the one being scheduled (gang reclaim plans the other
     * members too) and returns its cycle state; {@code null} when a plugin rejects it for a reason eviction cannot
     * change. PreFilter plugins must therefore tolerate running more than once for a pod.
     */
    CycleState planningCycle(Request request);
}
