package io.gpufleet.analytics.source;

import io.gpufleet.analytics.decode.GpuSample;
import io.gpufleet.analytics.decode.PodShare;
import io.gpufleet.analytics.quota.UsageMath;
import io.gpufleet.contracts.QuotaUsage;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.connector.datagen.source.GeneratorFunction;

/**
 * A synthetic fleet whose sample number {@code i} is a pure function of {@code i}: GPU {@code i mod gpus} at tick
 * {@code i / gpus}. Being pure, it replays identically after a restore from checkpoint, and its quota usage has an
 * exact ground truth ({@link #groundTruth}). Four in five GPUs are held whole by a pod of one of the quota groups;
 * utilization varies per GPU and tick. Optionally every {@code xidEveryTicks} ticks one GPU reports XID 79.
 * Used by the benchmark and the exactly-once tests; the embedded mode's realistic source is {@link FleetSource}.
 */
public final class SyntheticFleet implements GeneratorFunction<Long, GpuSample>, Serializable {
    private static final long serialVersionUID = 1L;

    private final int nodes;
    private final int gpusPerNode;
    private long startMillis;
    private final boolean live;
    private final long intervalMillis;
    private final int groups;
    private final int xidEveryTicks;
    private transient String[] nodeNames;
    private transient String[] uuids;
    private transient PodShare[][] pods;

    /**
     * @param startMillis   event time of tick 0; negative: live, every sample is stamped with the wall clock when it
     *                      is made, as an exporter stamps its collection (latency measurements with a rate-limited
     *                      source; not replayable)
     * @param xidEveryTicks every this many ticks one GPU (rotating) reports one more XID 79; 0 = never
     */
    public SyntheticFleet(int nodes, int gpusPerNode, long startMillis, long intervalMillis, int groups,
                          int xidEveryTicks) {
        if (nodes < 1 || gpusPerNode < 1 || groups < 1 || intervalMillis < 1 || xidEveryTicks < 0) {
            throw new IllegalArgumentException("nodes, gpusPerNode, groups, intervalMillis must be >= 1, xidEveryTicks >= 0");
        }
        this.nodes = nodes;
        this.gpusPerNode = gpusPerNode;
        this.startMillis = startMillis;
        this.live = startMillis < 0;
        this.intervalMillis = intervalMillis;
        this.groups = groups;
        this.xidEveryTicks = xidEveryTicks;
    }

    public int gpus() {
        return nodes * gpusPerNode;
    }

    public long timeOf(long index) {
        return startMillis + (index / gpus()) * intervalMillis;
    }

    private void init() {
        if (nodeNames != null) return;
        nodeNames = new String[nodes];
        for (int n = 0; n < nodes; n++) nodeNames[n] = String.format("syn-node-%04d", n);
        uuids = new String[gpus()];
        pods = new PodShare[gpus()][];
        for (int g = 0; g < gpus(); g++) {
            uuids[g] = String.format("GPU-%08x-0000-4000-8000-%012x", g, (long) g * 7919);
            pods[g] = allocated(g) ? new PodShare[] {new PodShare("team-" + (g % groups),
                    "job-" + (g / 2) + "-abcde", "main", -1, 0, 0)} : new PodShare[0];
        }
    }

    private static boolean allocated(int g) {
        return g % 5 != 4;
    }

    private static double utilization(long index) {
        long h = index * 0x9E3779B97F4A7C15L;
        return ((h >>> 40) % 101) / 100.0;
    }

    @Override
    public void open(org.apache.flink.api.connector.source.SourceReaderContext ctx) {
        if (live) startMillis = System.currentTimeMillis();
    }

    @Override
    public GpuSample map(Long boxed) {
        init();
        long i = boxed;
        int g = (int) (i % gpus());
        long tick = i / gpus();
        long[] xids = null;
        if (xidEveryTicks > 0) {
            // GPU g's XID count: how many of the ticks so far picked it.
            long fired = tick / xidEveryTicks; // XIDs fired fleet-wide up to now, one per period, rotating GPUs
            long mine = fired / gpus() + ((fired % gpus()) > g ? 1 : 0);
            if (mine > 0) xids = new long[] {79, mine};
        }
        return new GpuSample(nodeNames[g / gpusPerNode], g % gpusPerNode, uuids[g], "NVIDIA H100 80GB HBM3",
                live ? System.currentTimeMillis() : startMillis + tick * intervalMillis, utilization(i), 20L << 30, 80L << 30, 55 + g % 20, 350, 700, 0,
                0, 0, 0, 0, 0, 0, xids, pods[g], Double.NaN);
    }

    /** Event time at which XID number {@code k} (0-based, fleet-wide) is first reported, and by which GPU. */
    public long xidTime(long k) {
        return startMillis + (k + 1) * xidEveryTicks * intervalMillis;
    }

    /**
     * Exact quota totals per group of samples {@code [0, count)}: allocated, used, memory, samples, computed with
     * the same per-sample rules as the job ({@link UsageMath}).
     */
    public Map<String, long[]> groundTruth(long count) {
        init();
        Map<String, long[]> out = new HashMap<>();
        for (long i = 0; i < count; i++) {
            GpuSample x = map(i);
            for (PodShare p : x.pods()) {
                long alloc = UsageMath.allocatedMillis(x, p, intervalMillis);
                long[] t = out.computeIfAbsent(UsageMath.group(p), k -> new long[4]);
                t[0] += alloc;
                t[1] += UsageMath.usedMillis(x, alloc);
                t[2] += UsageMath.memoryMiBMillis(x, p, intervalMillis);
                t[3] += 1;
            }
        }
        return out;
    }

    /** Compares the last daily totals per group with the ground truth: the sum of absolute differences. */
    public static long accountingError(Map<String, long[]> truth, Map<String, QuotaUsage> dayTotals) {
        long err = 0;
        for (Map.Entry<String, long[]> e : truth.entrySet()) {
            QuotaUsage q = dayTotals.get(e.getKey());
            long[] t = e.getValue();
            if (q == null) {
                for (long v : t) err += Math.abs(v);
                continue;
            }
            err += Math.abs(q.allocatedGpuMillis() - t[0]) + Math.abs(q.usedGpuMillis() - t[1])
                    + Math.abs(q.memoryMiBMillis() - t[2]) + Math.abs(q.samples() - t[3]);
        }
        for (String k : dayTotals.keySet()) if (!truth.containsKey(k)) err += dayTotals.get(k).samples();
        return err;
    }
}
