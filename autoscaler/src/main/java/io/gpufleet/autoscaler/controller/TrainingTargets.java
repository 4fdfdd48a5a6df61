package io.gpufleet.autoscaler.controller;

import io.gpufleet.autoscaler.policy.ScalingPolicy;

import java.util.Optional;

/**
 * Elastic training targets (PyTorchJob, TrainingJob): resized as a gang by patches, not through the scale
 * subresource. The controller hands them the free GPUs of the pass and takes back what they leave.
 */
public interface TrainingTargets {
    /** @param remaining free GPUs after this job's resize (empty when unknown) */
    record Result(Optional<FreeGpus> remaining) {}

    /** One pass for one training policy. */
    Result sync(ScalingPolicy policy, Optional<FreeGpus> free);
}
