package io.gpufleet.scheduler.simulator;

/**
 * One node of a trace node list ({@code sn,cpu_milli,memory_mib,gpu,model}).
 *
 * @param name      node name
 * @param cpuMilli  CPU in milli-cores
 * @param memoryMiB memory in MiB
 * @param gpus      number of GPUs (0 for a CPU-only node)
 * @param model     GPU model ("" when the node has none)
 */
public record TraceNode(String name, long cpuMilli, long memoryMiB, int gpus, String model) {}
