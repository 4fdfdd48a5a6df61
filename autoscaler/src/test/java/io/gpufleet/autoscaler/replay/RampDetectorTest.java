package io.gpufleet.autoscaler.replay;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RampDetectorTest {
    /** 100 requests/s until second 199, then 100 + 2·(t − 199): a ramp of 2 req/s² from second 200. */
    private static int[] ramp(int n) {
        int[] a = new int[n];
        for (int t = 0; t < n; t++) a[t] = t < 200 ? 100 : 100 + 2 * (t - 199);
        return a;
    }

    @Test
    void scoreOfTheTrueOnsetMatchesTheHandComputedExcess() {
        // at the end of second 229 the ramp is 30 s old: excess = 2·(1 + … + 30) = 930 over a baseline of 100
        RampDetector.Score s = RampDetector.score(new ArrayView(ramp(400)).at(229), 30);
        assertEquals(100, s.baseline(), 1e-9);
        assertEquals(930, s.excess(), 1e-9);
        assertEquals(930 / Math.sqrt(100 * 30 * 1.25), s.sigmas(), 1e-9); // 15.19σ
        assertEquals(2 * 930 / 900.0, s.slope(), 1e-9);
        assertEquals(100 + 2 * 930 / 900.0 * (30 + 136), s.extrapolate(30, 136), 1e-9);
    }

    @Test
    void anOnsetLaterThanTheTrueOneSeesTheStepAsWell() {
        // onset 10 s back: baseline 100..219 holds 20 s of ramp (2·210 = 420 extra over 120 s); the window
        // 220..229 holds 100 + 2·(21..30) = 1510 requests
        RampDetector.Score s = RampDetector.score(new ArrayView(ramp(400)).at(229), 10);
        assertEquals(100 + 420 / 120.0, s.baseline(), 1e-9);
        assertEquals(1510 - 10 * (100 + 420 / 120.0), s.excess(), 1e-9);
        assertEquals(9.5, s.slope(), 1e-9); // far steeper than the true 2: why the best-scoring onset is used
    }

    @Test
    void flatTrafficFiresNothing() {
        int[] flat = new int[600];
        Arrays.fill(flat, 100);
        RampDetector d = new RampDetector(3.5, 0.999, 10_000);
        ArrayView v = new ArrayView(flat);
        for (int t = 0; t < 600; t += 5) assertEquals(0, d.forecast(v.at(t), 136), "second " + t);
    }

    @Test
    void aRampFiresAndExtrapolatesFromTheBestScoringOnset() {
        RampDetector d = new RampDetector(3.5, 0.999, 10_000);
        ArrayView v = new ArrayView(ramp(400)).at(229);
        double best = 0;
        double bestSigmas = 0;
        for (int k : RampDetector.ONSETS) {
            RampDetector.Score s = RampDetector.score(v, k);
            if (k + RampDetector.BASELINE <= 229 && s.sigmas() > bestSigmas) {
                bestSigmas = s.sigmas();
                best = s.extrapolate(k, 136);
            }
        }
        double f = d.forecast(v, 136);
        assertEquals(best, f, 1e-9);
        // the rate 136 s on is 100 + 2·(365 − 199) = 432; the estimate is in its neighbourhood, not 1 490
        // as the 10-s onset would say
        assertTrue(f > 432 && f < 800, "forecast " + f);
    }

    @Test
    void aRiseItSeesAllTheTimeRaisesItsOwnThreshold() {
        // the same 15σ ramp, shown 1 000 times, becomes what this trace routinely does and stops firing
        RampDetector d = new RampDetector(3.5, 0.5, 10_000);
        ArrayView v = new ArrayView(ramp(400)).at(229);
        assertTrue(d.forecast(v, 136) > 0);
        for (int i = 1; i < RampDetector.MIN_SAMPLES; i++) d.forecast(v, 136);
        assertEquals(0, d.forecast(v, 136));
    }

    @Test
    void rejectsABadConfiguration() {
        assertThrows(IllegalArgumentException.class, () -> new RampDetector(0, 0.999, 10));
        assertThrows(IllegalArgumentException.class, () -> new RampDetector(3.5, 1.0, 10));
    }
}
