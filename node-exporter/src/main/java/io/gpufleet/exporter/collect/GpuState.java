package io.gpufleet.exporter.collect;

import io.gpufleet.exporter.attribution.PodRef;
import io.gpufleet.exporter.health.GpuHealth;
import io.gpufleet.exporter.source.GpuReading;
import java.util.List;

/**
 * Everything the exporter knows about one GPU after a collection pass.
 *
 * @param reading the latest reading (slow fields merged in from the last slow pass)
 * @param health  the verdict of the health rules
 * @param pods    who uses the GPU (empty without Kubernetes)
 * @param xids    per XID code: never-resetting count and last-seen time, sorted by code
 * @param eccEvents double-bit and single-bit ECC events received from the event set since start
 */
public record GpuState(GpuReading reading, GpuHealth health, List<PodRef> pods, List<XidStat> xids,
                       long doubleBitEccEvents, long singleBitEccEvents) {
    public GpuState {
        pods = List.copyOf(pods);
        xids = List.copyOf(xids);
    }

    /** The last XID seen, or 0 when none (the value dcgm-exporter's DCGM_FI_DEV_XID_ERRORS shows). */
    public long lastXid() {
        long best = 0, when = Long.MIN_VALUE;
        for (XidStat x : xids) {
            if (x.lastSeenMillis() > when) {
                when = x.lastSeenMillis();
                best = x.xid();
            }
        }
        return best;
    }
}
