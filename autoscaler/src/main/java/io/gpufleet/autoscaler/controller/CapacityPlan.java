package io.gpufleet.autoscaler.controller;

import io.gpufleet.autoscaler.policy.ScalingPolicy.Spot;

import java.util.Optional;
import java.util.Set;

/**
 * The GPU-aware step after the policy's decision, pure: replicas beyond what free GPUs can hold are not
 * created but reported. Pods already waiting unplaced (Pending, no node) are first in line for free GPUs, so
 * they are counted before any new replica.
 *
 * @param wanted        the policy's count plus replacements for preempted replicas
 * @param desired       the count to set: {@code wanted} capped at what can be placed (never below current)
 * @param unplaceable   replicas wanted but not placeable: new ones not created plus waiting ones that do not fit
 * @param onSpot        new replicas that fit on spot nodes
 * @param onDemand      new replicas that fit on on-demand nodes
 * @param remaining     free GPUs left for the next policy of the pass (empty when capacity is unknown)
 */
public record CapacityPlan(int wanted, int desired, int unplaceable, int onSpot, int onDemand, Optional<FreeGpus> remaining) {

    /** True when free GPUs lowered the count. */
    public boolean limited() {
        return desired < wanted;
    }

    /**
     * @param current          spec replicas now
     * @param wanted           what the policy wants, replacements included
     * @param waitingUnplaced  the target's pods waiting without a node
     * @param gpusPerReplica   whole GPUs per replica
     * @param free             free GPUs, empty when the scheduler could not be read (then nothing is capped)
     * @param excluded         nodes under a preemption notice: no new replica goes there
     */
    public static CapacityPlan of(int current, int wanted, int waitingUnplaced, int gpusPerReplica, Spot spot,
                                  Optional<FreeGpus> free, Set<String> excluded) {
        if (free.isEmpty()) return new CapacityPlan(wanted, wanted, 0, 0, 0, Optional.empty());
        int increment = Math.max(0, wanted - current);
        FreeGpus.Placement all = free.get().place(gpusPerReplica, waitingUnplaced + increment, spot, excluded);
        int forNew = Math.max(0, all.total() - waitingUnplaced);
        int waitingStuck = Math.max(0, waitingUnplaced - all.total());
        int granted = Math.min(increment, forNew);
        int desired = increment > 0 ? current + granted : wanted;
        // Recount with what is actually created, so the GPUs the remainder reports are only those taken.
        FreeGpus.Placement used = free.get().place(gpusPerReplica, Math.min(waitingUnplaced, all.total()) + granted, spot, excluded);
        int newOnSpot = Math.max(0, Math.min(granted, used.onSpot() - Math.min(waitingUnplaced, used.onSpot())));
        return new CapacityPlan(wanted, desired, (increment - granted) + waitingStuck, newOnSpot, granted - newOnSpot,
                Optional.of(used.remaining()));
    }
}
