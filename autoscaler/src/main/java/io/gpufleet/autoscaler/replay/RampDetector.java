package io.gpufleet.autoscaler.replay;

/**
 * Detects a rise that began a few seconds ago, sooner than a sliding slope can. For each candidate onset k
 * seconds back, the arrivals since then are compared with the mean of the {@value #BASELINE} seconds before
 * it: a ramp of slope s that began k seconds ago leaves an excess of about s·k²/2 requests, against Poisson
 * noise of √(μ·k·(1 + k/BASELINE)) (the baseline's own error included). The score is that excess in σ.
 *
 * <p>A rise fires when its score exceeds both {@code minSigmas} and the {@code quantile} of the scores this
 * onset produced over the last {@code window} calls: a trace whose rate moves from minute to minute more than
 * Poisson noise (worldcup98) raises its own threshold, so the detector fires about as rarely on every trace.
 * Of the onsets that fire, the one with the highest score (the likeliest start of the rise) is extrapolated
 * as a ramp to the second the next replicas would serve: an onset later than the true one sees a step on
 * top of the ramp and would overstate the slope several times over.
 */
final class RampDetector {
    /** Candidate onsets, seconds before now. */
    static final int[] ONSETS = {10, 15, 20, 30, 45, 60, 90};
    /** Seconds of baseline before an onset. */
    static final int BASELINE = 120;
    /** Scores needed before the learned threshold applies. */
    static final int MIN_SAMPLES = 1000;

    /** One onset's view: baseline rate, excess requests since the onset, score in σ, implied slope (req/s²). */
    record Score(double baseline, double excess, double sigmas, double slope) {
        /** The rate {@code ahead} seconds from now if the ramp goes on. */
        double extrapolate(int onset, int ahead) {
            return baseline + slope * (onset + ahead);
        }
    }

    private final double minSigmas;
    private final double quantile;
    private final SlidingHistogram[] scores = new SlidingHistogram[ONSETS.length];

    RampDetector(double minSigmas, double quantile, int window) {
        if (!(minSigmas > 0)) throw new IllegalArgumentException("rampSigmas must be positive, got " + minSigmas);
        if (!(quantile > 0 && quantile < 1)) throw new IllegalArgumentException("rampQuantile must be in (0, 1), got " + quantile);
        this.minSigmas = minSigmas;
        this.quantile = quantile;
        for (int i = 0; i < scores.length; i++) scores[i] = new SlidingHistogram(-10, 0.05, 1000, window);
    }

    /** The score of a ramp that began {@code onset} seconds before now (needs onset + BASELINE seconds of past). */
    static Score score(ReplayView v, int onset) {
        int t = v.now();
        double mu = v.meanArrivals(t - onset - BASELINE + 1, t - onset);
        double excess = v.meanArrivals(t - onset + 1, t) * onset - mu * onset;
        double sigmas = excess / Math.sqrt(Math.max(mu, 1) * onset * (1 + (double) onset / BASELINE));
        return new Score(mu, excess, sigmas, 2 * excess / ((double) onset * onset));
    }

    /**
     * Call once per sync. Returns the rate {@code ahead} seconds from now implied by the best-scoring firing
     * onset, or 0 when none fires. Every score is recorded for the learned thresholds.
     */
    double forecast(ReplayView v, int ahead) {
        double best = 0;
        double bestSigmas = 0;
        for (int i = 0; i < ONSETS.length; i++) {
            int k = ONSETS[i];
            if (v.now() < k + BASELINE) break;
            Score s = score(v, k);
            SlidingHistogram h = scores[i];
            double threshold = h.count() >= MIN_SAMPLES ? Math.max(minSigmas, h.quantile(quantile)) : minSigmas;
            h.add(s.sigmas());
            if (s.sigmas() > threshold && s.sigmas() > bestSigmas) {
                bestSigmas = s.sigmas();
                best = s.extrapolate(k, ahead);
            }
        }
        return best;
    }
}
