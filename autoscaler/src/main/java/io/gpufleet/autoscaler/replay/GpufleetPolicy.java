package io.gpufleet.autoscaler.replay;

import io.gpufleet.autoscaler.control.DailyShape;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.OptionalDouble;

/**
 * gpufleet's inference policy. It reads only the past (per-second arrivals and queue length) and sizes the
 * service for the rate expected one cold start ahead; it syncs every 5 s:
 * <ol>
 *   <li><b>Forecast.</b> Level = mean arrivals of the last 60 s; trend = change between that and the mean
 *       of seconds t−179..t−120. The forecast is the larger of the level now and the level one lead ahead
 *       (lead = cold start + 1 + sync period), so replicas are requested before the rise arrives and kept
 *       until the fall has happened. Three fast detectors catch a ramp or a jump the slow trend has not seen
 *       yet: a least-squares slope of the last 60 s when it is 4σ above zero (σ from Poisson noise), a
 *       10-s mean 3σ above the forecast, and {@link RampDetector} (excess arrivals since an onset 10–90 s
 *       back against the 120 s before it, the best-scoring onset extrapolated as a ramp; its threshold is
 *       the larger of 3.5σ and the 99.9th percentile of its own scores over 7 days, so it fires as rarely
 *       on a trace whose rate jitters from minute to minute as on a smooth one).</li>
 *   <li><b>Learned headroom.</b> Every sync compares the forecast made one lead ago with the rate that then
 *       came (last 15 s) and keeps the ratios of the last 7 days in histograms, one per volatility regime
 *       (how much the level moved in the last 5 minutes: &lt;3 %, &lt;8 %, &lt;15 %, &lt;30 %, more). The
 *       replica count covers forecast × the regime's {@code quantile} ratio + {@code z}·√forecast (Poisson
 *       noise). Forecasts under 50 requests/s are not learned from: their ratios are noise, which the √ term
 *       covers. Until a regime has 30 minutes of samples a ratio of 1.3 applies.</li>
 *   <li><b>Queue-aware.</b> A backlog above half a second of capacity means the rate outran the forecast:
 *       ask for enough to drain the backlog it will have grown to when new replicas arrive, within 20 s,
 *       but never more than half the forecast again (a larger burst only idles once the backlog is gone).</li>
 *   <li><b>Floor from history.</b> Capacity never drops below the smaller of the mean rate of the last 2 h
 *       and the daily shape's median ({@link DailyShape}: mean rate per 10-min slot, replay days from second
 *       0), over the previous 7 days, of the slot one lead ahead (the 2-h mean alone until 2 days are known). A rate that has just sunk below both its recent past and
 *       its usual level for the time of day tends to come back, and a rise from there is the one a cold
 *       start cannot follow; where the day's shape says the rate is low (nights, a steady decline) the
 *       floor stays out of the way.</li>
 *   <li><b>Hold.</b> The count never drops below what any sync of the last 240 s wanted, computed from a
 *       smoother forecast (300-s level and its trend): removing a replica and requesting it back within a
 *       cold start costs more than keeping it, and the smoother signal keeps the hold from remembering
 *       peaks of noise. Scale-ups still follow the 60-s forecast at once.</li>
 * </ol>
 */
public final class GpufleetPolicy implements InferencePolicy {
    /**
     * Tunables; {@link #DEFAULT} is what the benchmark runs.
     *
     * @param periodSeconds   seconds between syncs
     * @param quantile        quantile of the learned forecast ratios used as headroom
     * @param z               extra √forecast for Poisson noise
     * @param errorDays       days of forecast ratios kept
     * @param initialRatio    headroom until a regime has 30 minutes of samples
     * @param minLearnRate    forecasts below this (req/s) are not learned from
     * @param holdSeconds     never go below what any sync of this many seconds wanted
     * @param drainSeconds    drain an overload backlog within this many seconds of new replicas arriving
     * @param drainAtSeconds  a backlog counts as overload above this many seconds of capacity
     * @param fastSigmas      the 60-s slope is used when this many σ above zero
     * @param spikeSigmas     the 10-s mean replaces the forecast when this many σ above it
     * @param downDeadband    skip scale-downs smaller than this share of the count (and than 1 replica)
     * @param holdLevelSeconds window of the smoother level behind what the hold remembers (60 = no smoothing)
     * @param rampSigmas      {@link RampDetector}: least score that fires, in σ
     * @param rampQuantile    {@link RampDetector}: quantile of its past scores (over {@code errorDays}) that must be exceeded too
     * @param drainCap        the backlog term adds at most this share of the forecast
     * @param floorSeconds    the floor's recent mean covers this many seconds (0 = no floor)
     * @param profileDays     days of the daily shape the floor reads (median of the same 10-min slot, from 2 days)
     */
    public record Config(int periodSeconds, double quantile, double z, int errorDays, double initialRatio,
                         double minLearnRate, int holdSeconds, double drainSeconds, double drainAtSeconds,
                         double fastSigmas, double spikeSigmas, double downDeadband, int holdLevelSeconds,
                         double rampSigmas, double rampQuantile, double drainCap, int floorSeconds, int profileDays) {
        public Config {
            if (periodSeconds <= 0 || holdSeconds < 0 || errorDays <= 0 || floorSeconds < 0) {
                throw new IllegalArgumentException("config: periods must be positive");
            }
            if (quantile <= 0 || quantile >= 1) throw new IllegalArgumentException("config: quantile must be in (0, 1)");
            if (!(drainCap > 0)) throw new IllegalArgumentException("config: drainCap must be positive");
        }
    }

    /** The configuration measured in the README. */
    public static final Config DEFAULT = new Config(5, 0.875, 1.0, 7, 1.3, 50, 240, 20, 0.5, 4, 3, 0, 300,
            3.5, 0.999, 0.5, 7200, 7);
    private static final double[] REGIME_BOUNDS = {0.03, 0.08, 0.15, 0.30};
    private static final int SLOW = 60;
    private static final int FAST = 60;
    private static final int WARMUP_SECONDS = 1800;
    private static final int MIN_PROFILE_DAYS = 2;
    private static final Instant ORIGIN = Instant.EPOCH;

    private final Config cfg;
    private final SlidingHistogram[] errors;
    private final RampDetector ramps;
    private final DailyShape shape;
    private int slotsRecorded;
    private int usualSlot = -1;
    private int usualRecorded = -1;
    private OptionalDouble usual = OptionalDouble.empty();
    private final double[] forecasts = new double[1 << 12];
    private final byte[] regimes = new byte[1 << 12];
    private final int[] wants = new int[1 << 12];
    private int syncs;

    /** With {@link #DEFAULT}. */
    public GpufleetPolicy() {
        this(DEFAULT);
    }

    public GpufleetPolicy(Config cfg) {
        this.cfg = cfg;
        int window = cfg.errorDays() * 86_400 / cfg.periodSeconds();
        this.errors = new SlidingHistogram[REGIME_BOUNDS.length + 1];
        for (int i = 0; i < errors.length; i++) errors[i] = ratioHistogram(window);
        this.ramps = new RampDetector(cfg.rampSigmas(), cfg.rampQuantile(), window);
        this.shape = new DailyShape(cfg.profileDays(), MIN_PROFILE_DAYS, ZoneOffset.UTC);
        if (cfg.holdSeconds() / cfg.periodSeconds() >= wants.length) throw new IllegalArgumentException("config: hold too long for the period");
    }

    @Override
    public int periodSeconds() {
        return cfg.periodSeconds();
    }

    @Override
    public int decide(ReplayView v) {
        int t = v.now();
        int period = cfg.periodSeconds();
        int lead = v.coldStartSeconds() + 1 + period;
        int lw = SLOW;
        double level = v.meanArrivals(t - lw + 1, t);
        double slope = t >= lw + 119 ? (level - v.meanArrivals(t - lw - 119, t - 120)) / 120.0 : 0;
        double now = Math.max(0, level + slope * (lw - 1) / 2.0);
        double f = Math.max(now, now + slope * lead);
        if (t >= FAST - 1) {
            // Least-squares slope of the last FAST seconds, used only when clearly positive: its noise
            // would otherwise cost capacity all the time.
            double mean = v.meanArrivals(t - FAST + 1, t);
            double mid = (FAST - 1) / 2.0;
            double sxy = 0;
            for (int i = 0; i < FAST; i++) sxy += (i - mid) * (v.arrivals(t - FAST + 1 + i) - mean);
            double sxx = FAST * ((double) FAST * FAST - 1) / 12.0;
            double fast = sxy / sxx;
            if (fast > cfg.fastSigmas() * Math.sqrt(Math.max(mean, 1) / sxx)) f = Math.max(f, mean + fast * (mid + lead));
        }
        double m10 = v.meanArrivals(t - 9, t);
        if (m10 > f + cfg.spikeSigmas() * Math.sqrt(f / 10.0)) f = m10;
        f = Math.max(f, ramps.forecast(v, lead));

        int back = (lead + period - 1) / period;
        if (syncs >= back) {
            int i = (syncs - back) & (forecasts.length - 1);
            double then = forecasts[i];
            if (then > cfg.minLearnRate()) errors[regimes[i]].add(v.meanArrivals(t - 14, t) / then);
        }
        double before = v.meanArrivals(t - 359, t - 300);
        double moved = t >= 359 && before > 0 ? Math.abs(level - before) / before : 0;
        int regime = 0;
        while (regime < REGIME_BOUNDS.length && moved >= REGIME_BOUNDS[regime]) regime++;
        forecasts[syncs & (forecasts.length - 1)] = f;
        regimes[syncs & (regimes.length - 1)] = (byte) regime;
        SlidingHistogram h = errors[regime];
        double ratio = h.count() < WARMUP_SECONDS / period ? cfg.initialRatio() : Math.max(1.0, h.quantile(cfg.quantile()));

        int c = v.capacityPerReplica();
        double need = f * ratio + cfg.z() * Math.sqrt(f);
        long q = v.queue(t);
        if (q > 0) {
            double cap = (double) v.ready() * c;
            double drain = q > cfg.drainAtSeconds() * cap ? (q + Math.max(0, f - cap) * lead) / cfg.drainSeconds() : q / 30.0;
            need += Math.min(drain, cfg.drainCap() * f);
        }
        if (cfg.floorSeconds() > 0) {
            double floor = v.meanArrivals(t - cfg.floorSeconds() + 1, t);
            OptionalDouble u = usualRate(v, t + lead);
            if (u.isPresent()) floor = Math.min(floor, u.getAsDouble());
            need = Math.max(need, floor);
        }
        int wanted = (int) Math.ceil(need / c);
        int remembered = wanted;
        int sw = cfg.holdLevelSeconds();
        if (sw > lw && t >= sw + 119) {
            // what the hold remembers comes from a smoother forecast, so it does not keep the peaks of noise
            double sl = v.meanArrivals(t - sw + 1, t);
            double ss = (sl - v.meanArrivals(t - sw - 119, t - 120)) / 120.0;
            double sn = Math.max(0, sl + ss * (sw - 1) / 2.0);
            double fs = Math.max(sn, sn + ss * lead);
            remembered = (int) Math.ceil((fs * ratio + cfg.z() * Math.sqrt(fs)) / c);
        }
        syncs++;
        wants[syncs & (wants.length - 1)] = remembered;
        int hold = Math.min(syncs, cfg.holdSeconds() / period);
        int keep = Math.max(wanted, remembered);
        for (int i = 1; i < hold; i++) keep = Math.max(keep, wants[(syncs - i) & (wants.length - 1)]);
        int current = v.ready() + v.starting();
        if (keep < current && current - keep < Math.max(1.0, cfg.downDeadband() * current)) keep = current;
        return keep;
    }

    /**
     * Records every 10-min slot that has ended (its mean rate) and returns the daily shape's median for the
     * slot holding {@code second}; recomputed only when that slot or the history changes.
     */
    private OptionalDouble usualRate(ReplayView v, int second) {
        int len = DailyShape.SLOT_SECONDS;
        for (int complete = (v.now() + 1) / len; slotsRecorded < complete; slotsRecorded++) {
            int from = slotsRecorded * len;
            shape.record(ORIGIN.plusSeconds(from), v.meanArrivals(from, from + len - 1));
        }
        int slot = second / len;
        if (slot != usualSlot || slotsRecorded != usualRecorded) {
            usual = shape.forecast(ORIGIN.plusSeconds(second));
            usualSlot = slot;
            usualRecorded = slotsRecorded;
        }
        return usual;
    }

    /** Ratios realized / forecast: bins of 0.5 % from 0.5 to 5. */
    static SlidingHistogram ratioHistogram(int window) {
        return new SlidingHistogram(0.5, 0.005, 900, window);
    }
}
