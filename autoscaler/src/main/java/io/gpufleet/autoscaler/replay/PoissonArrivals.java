package io.gpufleet.autoscaler.replay;

import java.util.SplittableRandom;

/**
 * Per-second Poisson arrivals from a seeded generator: inversion for small means, Hörmann's PTRS
 * (transformed rejection with squeeze) for means of 10 and above, so a day of seconds takes milliseconds.
 */
public final class PoissonArrivals {
    private static final double[] LOG_FACT = new double[256];

    static {
        for (int i = 1; i < LOG_FACT.length; i++) LOG_FACT[i] = LOG_FACT[i - 1] + Math.log(i);
    }

    private PoissonArrivals() {
    }

    /** Arrivals for every second of {@code lambda}, from {@code seed}. */
    public static int[] generate(double[] lambda, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] out = new int[lambda.length];
        for (int t = 0; t < lambda.length; t++) out[t] = sample(lambda[t], rnd);
        return out;
    }

    /** One Poisson variate. */
    public static int sample(double lambda, SplittableRandom rnd) {
        if (lambda <= 0) return 0;
        if (lambda < 10) {
            double l = Math.exp(-lambda);
            int k = 0;
            double p = rnd.nextDouble();
            while (p > l) {
                k++;
                p *= rnd.nextDouble();
            }
            return k;
        }
        double slam = Math.sqrt(lambda);
        double loglam = Math.log(lambda);
        double b = 0.931 + 2.53 * slam;
        double a = -0.059 + 0.02483 * b;
        double invAlpha = 1.1239 + 1.1328 / (b - 3.4);
        double vr = 0.9277 - 3.6224 / (b - 2);
        while (true) {
            double u = rnd.nextDouble() - 0.5;
            double v = rnd.nextDouble();
            double us = 0.5 - Math.abs(u);
            long k = (long) Math.floor((2 * a / us + b) * u + lambda + 0.43);
            if (us >= 0.07 && v <= vr) return (int) k;
            if (k < 0 || (us < 0.013 && v > us)) continue;
            if (Math.log(v) + Math.log(invAlpha) - Math.log(a / (us * us) + b) <= -lambda + k * loglam - logFactorial(k)) {
                return (int) k;
            }
        }
    }

    static double logFactorial(long k) {
        if (k < LOG_FACT.length) return LOG_FACT[(int) k];
        double x = k + 1.0;
        // Stirling series for ln Γ(x)
        return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x * x * x);
    }
}
