package io.gpufleet.autoscaler.replay;

/**
 * Histogram of the last {@code window} values added, with fixed bins; values outside the range fall into the
 * first or last bin. Quantiles are read in O(bins) without sorting, so a policy can keep a week of samples.
 */
final class SlidingHistogram {
    private final double lo;
    private final double step;
    private final int[] bins;
    private final short[] ring;
    private int n;
    private long added;

    SlidingHistogram(double lo, double step, int binCount, int window) {
        if (binCount <= 0 || binCount > Short.MAX_VALUE || step <= 0 || window <= 0) {
            throw new IllegalArgumentException("histogram: need 1.." + Short.MAX_VALUE + " bins, a positive step and window");
        }
        this.lo = lo;
        this.step = step;
        this.bins = new int[binCount];
        this.ring = new short[window];
    }

    void add(double x) {
        int b = (int) Math.floor((x - lo) / step);
        b = Math.max(0, Math.min(bins.length - 1, b));
        int slot = (int) (added % ring.length);
        if (added >= ring.length) bins[ring[slot]]--;
        else n++;
        ring[slot] = (short) b;
        bins[b]++;
        added++;
    }

    /** Values in the window. */
    int count() {
        return n;
    }

    /** Upper edge of the bin holding the q-quantile. */
    double quantile(double q) {
        long need = (long) Math.ceil(q * n);
        long acc = 0;
        for (int i = 0; i < bins.length; i++) {
            acc += bins[i];
            if (acc >= need) return lo + (i + 1) * step;
        }
        return lo + bins.length * step;
    }
}
