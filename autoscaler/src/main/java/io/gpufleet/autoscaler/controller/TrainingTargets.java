package io.gpufleet.autoscaler.controller;

import io.gpufleet.autoscaler.policy.ScalingPolicy;

import java.util.Optional;

/**
 * Elastic training targets (PyTorchJob): resized as a gang by patches, not through the scale subresource. The
 * controller runs them after the inference targets of the pass, hands them the free GPUs left and the GPUs
 * inference wanted and could not get (higher-priority work), and takes back what they leave.
 */
public interface TrainingTargets {
    /**
     * @param remaining    free GPUs after this job's resize (empty when unknown)
     * @param gpusReleased GPUs this job gives up for the work that wanted them
     */
    record Result(Optional<FreeGpus> remaining, int gpusReleased) {}

    /** One pass for one training policy. */
    Result sync(ScalingPolicy policy, Optional<FreeGpus> free, int gpusWanted);
}
