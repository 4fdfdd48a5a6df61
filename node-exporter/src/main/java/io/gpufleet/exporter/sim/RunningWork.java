package io.gpufleet.exporter.sim;

/**
 * A workload started on a simulated GPU.
 *
 * @param id            the handle {@link SimulatedFleet#stopWork} takes
 * @param node          node name
 * @param gpu           GPU index
 * @param uuid          GPU UUID
 * @param workload      what runs
 * @param pid           the fake process id it shows as in the GPU's process list
 * @param startedMillis clock time it started
 */
public record RunningWork(String id, String node, int gpu, String uuid, Workload workload, long pid,
                          long startedMillis) {}
