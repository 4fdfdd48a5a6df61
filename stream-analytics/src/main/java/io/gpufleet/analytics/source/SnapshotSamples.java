package io.gpufleet.analytics.source;

import io.gpufleet.analytics.decode.GpuSample;
import io.gpufleet.analytics.decode.PodShare;
import io.gpufleet.exporter.attribution.PodRef;
import io.gpufleet.exporter.collect.GpuState;
import io.gpufleet.exporter.collect.NodeSnapshot;
import io.gpufleet.exporter.collect.XidStat;
import io.gpufleet.exporter.source.GpuField;
import io.gpufleet.exporter.source.GpuReading;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns an exporter {@link NodeSnapshot} into {@link GpuSample}s directly, without OTLP: what the in-process
 * source feeds the job. The last XID is left 0, as on the exporter's OTLP (which carries per-XID counts). The result equals what decoding the snapshot's OTLP bytes gives (a test holds both to it).
 */
public final class SnapshotSamples {
    private SnapshotSamples() {}

    /** One sample per GPU of the snapshot, in GPU order. */
    public static List<GpuSample> of(NodeSnapshot snapshot) {
        List<GpuSample> out = new ArrayList<>(snapshot.gpus().size());
        for (GpuState g : snapshot.gpus()) out.add(of(snapshot.node(), snapshot.timestampMillis(), g));
        return out;
    }

    /** The sample of one GPU. */
    public static GpuSample of(String node, long timeMillis, GpuState state) {
        GpuReading r = state.reading();
        double total = r.value(GpuField.MEMORY_TOTAL_BYTES);
        double used = r.value(GpuField.MEMORY_USED_BYTES);
        if (Double.isNaN(total) && !Double.isNaN(used) && !Double.isNaN(r.value(GpuField.MEMORY_FREE_BYTES))) {
            double reserved = r.value(GpuField.MEMORY_RESERVED_BYTES);
            total = used + r.value(GpuField.MEMORY_FREE_BYTES) + (Double.isNaN(reserved) ? 0 : reserved);
        }
        List<XidStat> xids = state.xids();
        long[] xc = null;
        if (!xids.isEmpty()) {
            xc = new long[xids.size() * 2];
            for (int i = 0; i < xids.size(); i++) {
                xc[2 * i] = xids.get(i).xid();
                xc[2 * i + 1] = xids.get(i).count();
            }
        }
        PodShare[] pods = null;
        if (!state.pods().isEmpty()) {
            pods = new PodShare[state.pods().size()];
            for (int i = 0; i < pods.length; i++) {
                PodRef p = state.pods().get(i);
                pods[i] = new PodShare(p.namespace(), p.pod(), p.container(), p.usedMemoryBytes() >= 0 ? p.usedMemoryBytes() : -1,
                        Math.max(0, p.shareMemoryBytes()), p.shareCoreMilli() > 0 ? p.shareCoreMilli() / 1000.0 : 0);
            }
        }
        return new GpuSample(node, r.gpu().index(), r.gpu().uuid(), r.gpu().model(), timeMillis,
                r.value(GpuField.GPU_UTILIZATION_RATIO), used, total, r.value(GpuField.GPU_TEMPERATURE_CELSIUS),
                r.value(GpuField.POWER_USAGE_WATTS), r.value(GpuField.POWER_LIMIT_WATTS),
                flag(r.value(GpuField.CLOCK_EVENT_REASONS)),
                either(r, GpuField.ECC_DOUBLE_BIT_VOLATILE_TOTAL, GpuField.ECC_DOUBLE_BIT_AGGREGATE_TOTAL),
                either(r, GpuField.ECC_SINGLE_BIT_VOLATILE_TOTAL, GpuField.ECC_SINGLE_BIT_AGGREGATE_TOTAL),
                r.value(GpuField.REMAPPED_ROWS_UNCORRECTABLE), (int) flag(r.value(GpuField.ROW_REMAP_FAILURE)),
                state.health().status().ordinal(), 0, xc, pods, Double.NaN);
    }

    private static double either(GpuReading r, GpuField first, GpuField second) {
        double v = r.value(first);
        return Double.isNaN(v) ? r.value(second) : v;
    }

    private static long flag(double v) {
        return Double.isNaN(v) ? -1 : (long) v;
    }
}
