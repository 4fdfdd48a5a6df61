package io.gpufleet.platform.up;

import java.time.Duration;

/**
 * The load of {@code fleet up}'s inference deployment: a day compressed into {@code day}, starting at 06:00 on the
 * morning ramp: a peak at midday, an evening decline, quiet at night, plus a little seeded jitter. Pure.
 *
 * @param day    length of one simulated day
 * @param low    load at night, in replicas' worth of work (1 = one replica fully busy)
 * @param high   load at the peak
 * @param seed   jitter seed
 */
record DemandCurve(Duration day, double low, double high, long seed) {
    DemandCurve {
        if (day.toMillis() < 1000) throw new IllegalArgumentException("day: at least 1 s, was " + day);
        if (!(low >= 0 && high >= low)) throw new IllegalArgumentException("load: need 0 <= low <= high, was " + low + ".." + high);
    }

    /** Load {@code elapsed} after the start; never negative. */
    double at(Duration elapsed) {
        // the simulated day starts at 06:00, on the morning ramp, so scaling shows at once
        double phase = ((elapsed.toMillis() + day.toMillis() / 4) % day.toMillis()) / (double) day.toMillis();
        double shape = 0.5 - 0.5 * Math.cos(2 * Math.PI * phase);
        // jitter: a few percent of the peak, changing every tenth of a simulated hour, the same every day
        long slot = (long) (phase * 240);
        double jitter = (new java.util.SplittableRandom(seed ^ slot * 0x9e3779b97f4a7c15L).nextDouble() - 0.5) * 0.06 * high;
        return Math.max(0, low + (high - low) * shape + jitter);
    }
}
