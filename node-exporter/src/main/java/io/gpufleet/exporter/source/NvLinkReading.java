package io.gpufleet.exporter.source;

/**
 * One NVLink of a GPU. Counters are cumulative since the driver loaded; -1 means the counter could not
 * be read.
 */
public record NvLinkReading(int link, boolean active, long replayErrors, long recoveryErrors, long crcFlitErrors,
                            long crcDataErrors) {}
