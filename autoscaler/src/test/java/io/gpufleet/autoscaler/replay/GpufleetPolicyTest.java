package io.gpufleet.autoscaler.replay;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GpufleetPolicyTest {
    @Test
    void ratioHistogramQuantileSlidesWithItsWindow() {
        SlidingHistogram h = GpufleetPolicy.ratioHistogram(100);
        for (int i = 0; i < 100; i++) h.add(1.0 + i / 1000.0); // 1.000 .. 1.099
        assertEquals(100, h.count());
        assertEquals(1.08, h.quantile(0.8), 0.006);
        for (int i = 0; i < 100; i++) h.add(1.5); // the old samples leave the window
        assertEquals(100, h.count());
        assertEquals(1.505, h.quantile(0.5), 1e-9);
        h.add(9.0); // clamped to the last bin
        assertTrue(h.quantile(1.0) <= 5.0);
    }

    @Test
    void scalesAheadOfARampAndFollowsItDown() {
        // 3 h flat at 100 req/s, a 20-min ramp to 400, 1 h flat, then back to 100
        int n = 6 * 3600;
        int[] arrivals = new int[n];
        double[] lambda = new double[n];
        for (int t = 0; t < n; t++) {
            double l = t < 10_800 ? 100 : t < 12_000 ? 100 + 300.0 * (t - 10_800) / 1200 : t < 15_600 ? 400 : 100;
            lambda[t] = l;
        }
        arrivals = PoissonArrivals.generate(lambda, 7);
        int[] counts = new int[n];
        int[] a = arrivals;
        GpufleetPolicy p = new GpufleetPolicy();
        InferencePolicy recording = new InferencePolicy() {
            @Override public int periodSeconds() { return p.periodSeconds(); }
            @Override public int decide(ReplayView v) {
                int d = p.decide(v);
                counts[v.now()] = d;
                return d;
            }
        };
        ReplayResult r = InferenceReplay.run("ramp", a, recording, 15);
        assertTrue(r.violationPct() < 0.5, r::toString);
        // during the plateau it holds enough for 400 req/s but not wildly more
        int plateau = counts[15_000 - 1];
        assertTrue(plateau >= 40 && plateau <= 55, "plateau count " + plateau);
        // after the drop it comes back down
        assertTrue(counts[n - 1] <= 15, "count at the end " + counts[n - 1]);
    }

    @Test
    void floorHoldsCapacityAfterADipUnlessTheDailyShapeSaysTheDipIsUsual() {
        // 4 days at 300 req/s with a dip to 150 from 12:00 to 14:00 every day
        int n = 4 * 86_400;
        double[] lambda = new double[n];
        for (int t = 0; t < n; t++) {
            int h = (t % 86_400) / 3600;
            lambda[t] = h >= 12 && h < 14 ? 150 : 300;
        }
        int[] counts = new int[n];
        GpufleetPolicy p = new GpufleetPolicy();
        InferencePolicy recording = new InferencePolicy() {
            @Override public int periodSeconds() { return p.periodSeconds(); }
            @Override public int decide(ReplayView v) {
                int d = p.decide(v);
                counts[v.now()] = d;
                return d;
            }
        };
        InferenceReplay.run("dips", PoissonArrivals.generate(lambda, 11), recording, 43);
        int at13 = 13 * 3600 - 1;
        // day 0: nothing known of the day's shape; the floor is the 2-h mean, (60·150 + 60·300) / 120 = 225
        assertTrue(counts[at13] >= 23, "day 0 at 13:00: " + counts[at13]);
        // day 3: the same slot was at 150 on the previous days, so the floor is 150 and the count follows the
        // dip (150 × learned headroom + √150, about 17 replicas)
        int day3 = 3 * 86_400 + at13;
        assertTrue(counts[day3] <= 20, "day 3 at 13:00: " + counts[day3]);
        assertTrue(counts[day3] >= 16, "day 3 at 13:00: " + counts[day3]);
    }
}
