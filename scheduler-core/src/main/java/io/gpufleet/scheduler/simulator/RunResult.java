package io.gpufleet.scheduler.simulator;

import java.util.EnumMap;
import java.util.Map;

/**
 * What one run recorded after every pod: arrive ratio, alloc ratio and fragmentation ratio (percent), and the
 * failed pods by kind.
 */
public record RunResult(String policy, long seed, double[] arrive, double[] alloc, double[] frag,
                        Map<TracePod.Kind, Integer> failed, int pods, long millis) {
    public RunResult {
        EnumMap<TracePod.Kind, Integer> f = new EnumMap<>(TracePod.Kind.class);
        for (TracePod.Kind k : TracePod.Kind.values()) f.put(k, failed.getOrDefault(k, 0));
        failed = f;
    }

    /** Mean of {@code values} over the pods whose arrive ratio rounds to each integer 0..maxPct (NaN where none). */
    public double[] byArrivePct(double[] values, int maxPct) {
        double[] sum = new double[maxPct + 1];
        int[] n = new int[maxPct + 1];
        for (int i = 0; i < arrive.length; i++) {
            long x = Math.round(arrive[i]);
            if (x < 0 || x > maxPct) continue;
            sum[(int) x] += values[i];
            n[(int) x]++;
        }
        double[] out = new double[maxPct + 1];
        for (int x = 0; x <= maxPct; x++) out[x] = n[x] == 0 ? Double.NaN : sum[x] / n[x];
        return out;
    }

    public int failedTotal() {
        int s = 0;
        for (int v : failed.values()) s += v;
        return s;
    }
}
