package io.gpufleet.autoscaler.replay;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.StringReader;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TraceReaderTest {
    static RateTrace read(String csv) throws Exception {
        return TraceReader.read("t", new BufferedReader(new StringReader(csv)));
    }

    @Test
    void servegenWindowsInterpolateBetweenCentresAndDropGaps() throws Exception {
        RateTrace tr = read("""
                window_start_s,total_rate_rps,active_clients,rate_weighted_cv,top_client_rate_share
                0,100,3,1.0,0.5
                600,0,0,0,0
                1200,160,3,1.0,0.5
                1800,160,3,1.0,0.5
                """);
        assertEquals(2400, tr.duration());
        double[] l = tr.perSecond();
        assertEquals(100, l[0], 1e-9, "flat before the first centre");
        assertEquals(100, l[299], 1e-9);
        // the gap window is dropped: interpolate from centre 300 (100) to centre 1500 (160) at t + 0.5
        assertEquals(100 + 60 * (900.5 - 300) / 1200, l[900], 1e-9);
        assertEquals(160, l[2399], 1e-9, "flat after the last centre");
    }

    @Test
    void countTracesWithDateTimesAreScaledToMean200() throws Exception {
        RateTrace tr = read("""
                period,count
                1998-04-30 21:30:00,60
                1998-04-30 21:31:00,120
                1998-04-30 21:33:00,600
                """);
        assertEquals(240, tr.duration(), "the missing minute is a gap inside the trace");
        double[] l = tr.perSecond();
        double mean = 0;
        for (double x : l) mean += x;
        assertEquals(200, mean / l.length, 1e-9);
        // centres 30 (1 rps), 90 (2 rps), 210 (10 rps) before scaling; t = 150 reads 150.5
        assertEquals(l[0] * (2 + 8 * 60.5 / 120), l[150], 1e-9, "rates keep their proportions");
    }

    @Test
    void errorsNameTheProblem() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> read("foo,bar\n1,2\n")).getMessage().contains("no time column"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> read("time,cv\n1,2\n")).getMessage().contains("no rate or count"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> read("time,rate\n0,x\n")).getMessage().contains("line 2"));
    }

    @Test
    void poissonArrivalsHaveTheRightMeanAndVariance() {
        SplittableRandom rnd = new SplittableRandom(1);
        for (double lambda : new double[]{0.3, 4, 12, 80, 700}) {
            int n = 200_000;
            double s = 0, s2 = 0;
            for (int i = 0; i < n; i++) {
                int k = PoissonArrivals.sample(lambda, rnd);
                s += k;
                s2 += (double) k * k;
            }
            double mean = s / n;
            double var = s2 / n - mean * mean;
            assertEquals(lambda, mean, 5 * Math.sqrt(lambda / n), "mean for " + lambda);
            assertEquals(lambda, var, 0.03 * lambda + 0.01, "variance for " + lambda);
        }
        assertEquals(0, PoissonArrivals.sample(0, rnd));
    }
}
