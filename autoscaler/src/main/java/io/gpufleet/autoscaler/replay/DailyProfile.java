package io.gpufleet.autoscaler.replay;

import java.util.Arrays;

/**
 * The daily shape learned from history: the mean arrival rate of every {@value #SLOT}-s slot of the last
 * {@code days} days, read as the median of the same slot on the previous days. Days count from the replay's
 * second 0 (24 h periods), which is all a daily pattern needs.
 */
final class DailyProfile {
    /** Seconds per slot. */
    static final int SLOT = 600;
    static final int SLOTS_PER_DAY = 86_400 / SLOT;
    /** Days of a slot needed before the median is read. */
    static final int MIN_DAYS = 2;

    private final int days;
    private final double[] means;
    private int recorded;

    DailyProfile(int days) {
        if (days < MIN_DAYS) throw new IllegalArgumentException("profileDays must be at least " + MIN_DAYS + ", got " + days);
        this.days = days;
        this.means = new double[(days + 1) * SLOTS_PER_DAY];
    }

    /** Records every slot that has ended by the end of second {@code v.now()}. */
    void observe(ReplayView v) {
        int complete = (v.now() + 1) / SLOT;
        for (; recorded < complete; recorded++) {
            means[recorded % means.length] = v.meanArrivals(recorded * SLOT, recorded * SLOT + SLOT - 1);
        }
    }

    /** Median over the previous days of the mean rate in the slot holding {@code second}; NaN with fewer than MIN_DAYS. */
    double median(int second) {
        int slot = second / SLOT;
        double[] past = new double[days];
        int n = 0;
        for (int d = 1; d <= days; d++) {
            int s = slot - d * SLOTS_PER_DAY;
            if (s >= 0 && s < recorded) past[n++] = means[s % means.length];
        }
        if (n < MIN_DAYS) return Double.NaN;
        Arrays.sort(past, 0, n);
        return n % 2 == 1 ? past[n / 2] : (past[n / 2 - 1] + past[n / 2]) / 2;
    }
}
