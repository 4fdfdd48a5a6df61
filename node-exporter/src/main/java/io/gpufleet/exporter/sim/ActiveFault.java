package io.gpufleet.exporter.sim;

/**
 * A fault in effect on a GPU.
 *
 * @param node        node name
 * @param gpu         GPU index
 * @param fault       the fault
 * @param sinceMillis when it was injected (clock time)
 * @param untilMillis when it ends on its own, or -1 when it stays until cleared
 */
public record ActiveFault(String node, int gpu, Fault fault, long sinceMillis, long untilMillis) {}
