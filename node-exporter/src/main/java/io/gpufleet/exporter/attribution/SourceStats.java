package io.gpufleet.exporter.attribution;

/**
 * How one polled attribution source is doing, for the exporter's own metrics.
 *
 * @param source    the source's label value (e.g. {@code podresources})
 * @param connected its last poll succeeded; false while answers come from the last good poll
 * @param errors    failed polls since start
 * @param pods      pods its last good answer named
 */
public record SourceStats(String source, boolean connected, long errors, int pods) {}
