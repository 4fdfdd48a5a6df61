package io.gpufleet.autoscaler.controller;

/**
 * The GPUs the scheduler can still place on, read once per controller pass. Implementations:
 * {@link SchedulerGpuCapacity} (scheduler-core's REST API), {@link InMemoryGpuCapacity} (tests, simulations).
 */
public interface GpuCapacity {
    /**
     * Free whole GPUs per node now.
     *
     * @throws RuntimeException when the source cannot be read (the controller then scales without the check
     *                          and counts a dependency error)
     */
    FreeGpus snapshot();
}
