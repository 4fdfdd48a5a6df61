package io.gpufleet.exporter.collect;

/** How often one XID code was seen on a GPU since the exporter started (never reset), and when last. */
public record XidStat(long xid, long count, long lastSeenMillis) {}
