package io.gpufleet.autoscaler.control;

import io.gpufleet.autoscaler.hpa.HpaDecision;
import io.gpufleet.autoscaler.hpa.HpaInput;
import io.gpufleet.autoscaler.hpa.HpaState;
import io.gpufleet.autoscaler.hpa.HpaAlgorithm;
import io.gpufleet.autoscaler.hpa.MetricInput;
import io.gpufleet.autoscaler.hpa.PodStatus;
import io.gpufleet.autoscaler.policy.ScalingPolicy;
import io.gpufleet.autoscaler.policy.ScalingPolicy.ScaleToZero;
import io.gpufleet.autoscaler.policy.ScalingPolicy.TargetType;
import io.gpufleet.autoscaler.schedule.ReplicaBounds;
import io.gpufleet.autoscaler.schedule.ScheduleWindows;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * One {@link ScalingPolicy} applied to one target over time: cron windows set min/max, HPA computes the
 * count, and scale-to-zero decides the last step to and from zero (KEDA-style: wake when a metric exceeds the
 * activation threshold; drop to zero only after every metric stayed at or below it for the idle period). With the
 * predictive option the count is raised to what the daily shape ({@link DailyShape}) predicts one cold start
 * ahead, so replicas are serving when a daily rise arrives. Time comes from the injected clock; the caller
 * reports whether the count was applied.
 */
public final class PolicyScaler {
    private static final Logger LOG = LoggerFactory.getLogger(PolicyScaler.class);
    private final ScalingPolicy policy;
    private final Clock clock;
    private final ScheduleWindows windows;
    private HpaState state = HpaState.empty();
    private Instant lastActive;
    private HpaDecision pending;
    private final DailyShape shape;

    public PolicyScaler(ScalingPolicy policy, Clock clock) {
        this.policy = policy;
        this.clock = clock;
        this.windows = new ScheduleWindows(policy);
        this.lastActive = clock.instant();
        this.shape = policy.predictive()
                .map(p -> new DailyShape(p.historyDays(), p.minHistoryDays(), ZoneId.of(p.timeZone()))).orElse(null);
    }

    /**
     * Replicas the metrics ask for, before tolerance and limits (the largest over metrics, as HPA): per-pod
     * metrics sum their pods' values over the target; a total AverageValue divides by it; a total Value scales
     * the current count. NaN when no metric could be read.
     */
    static double demand(int current, List<MetricInput> metrics) {
        double best = Double.NaN;
        for (MetricInput m : metrics) {
            double d = Double.NaN;
            if (m instanceof MetricInput.PerPod p && !p.values().isEmpty()) {
                d = p.values().values().stream().mapToDouble(Double::doubleValue).sum() / p.target();
            } else if (m instanceof MetricInput.Total t && t.value().isPresent()) {
                d = t.type() == TargetType.AverageValue ? t.value().getAsDouble() / t.target()
                        : current * t.value().getAsDouble() / t.target();
            }
            if (!Double.isNaN(d)) best = Double.isNaN(best) ? d : Math.max(best, d);
        }
        return best;
    }

    /** The largest metric value this sync (NaN when none could be read). */
    private static double activity(List<MetricInput> metrics) {
        double max = Double.NaN;
        for (MetricInput m : metrics) {
            double v = Double.NaN;
            if (m instanceof MetricInput.Total t && t.value().isPresent()) v = t.value().getAsDouble();
            if (m instanceof MetricInput.PerPod p && !p.values().isEmpty()) v = p.values().values().stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
            if (!Double.isNaN(v)) max = Double.isNaN(max) ? v : Math.max(max, v);
        }
        return max;
    }

    /** One sync. */
    public ScalingDecision decide(int current, List<MetricInput> metrics, List<PodStatus> pods) {
        Instant now = clock.instant();
        ReplicaBounds b = windows.at(now);
        Optional<ScaleToZero> s2z = policy.scaleToZero();
        double act = activity(metrics);
        boolean active = s2z.isEmpty() || (!Double.isNaN(act) && act > s2z.get().activationThreshold());
        if (active) lastActive = now;
        int hpaMin = s2z.isPresent() ? Math.max(1, b.minReplicas()) : b.minReplicas();
        int hpaMax = Math.max(hpaMin, b.maxReplicas());
        ScalingDecision d;
        if (current == 0 && s2z.isPresent()) {
            pending = null;
            d = active
                    ? decision(current, hpaMin, b, Optional.empty(), "WakeFromZero", String.format(Locale.ROOT, "activity %.4g above threshold %.4g", act, s2z.get().activationThreshold()))
                    : decision(current, b.minReplicas() > 0 ? b.minReplicas() : 0, b, Optional.empty(), b.minReplicas() > 0 ? "ScheduleMin" : "StayAtZero", "no activity above the threshold");
        } else {
            HpaDecision h = HpaAlgorithm.decide(new HpaInput(current, hpaMin, hpaMax, policy.behavior(), metrics, pods), state, now);
            pending = h;
            int desired = h.desiredReplicas();
            String rule = h.reason().name();
            String why = h.explain();
            if (s2z.isPresent() && b.minReplicas() == 0 && !active
                    && Duration.between(lastActive, now).getSeconds() >= s2z.get().idlePeriodSeconds()) {
                desired = 0;
                rule = "ScaleToZero";
                why = "idle for " + Duration.between(lastActive, now).getSeconds() + " s (period " + s2z.get().idlePeriodSeconds() + " s); " + why;
            }
            d = decision(current, desired, b, Optional.of(h), rule, why);
        }
        if (shape != null) d = predictive(d, now, b);
        shape(now, current, metrics);
        LOG.debug("{}/{}: {}", policy.namespace(), policy.name(), d.explain());
        return d;
    }

    /** Raises the count to the daily shape's forecast one cold start ahead (within the max in force). */
    private ScalingDecision predictive(ScalingDecision d, Instant now, ReplicaBounds b) {
        Instant ahead = now.plusSeconds(policy.coldStartSeconds());
        OptionalDouble f = shape.forecast(ahead);
        if (f.isEmpty()) return d;
        double headroom = policy.predictive().orElseThrow().headroom();
        int predicted = Math.min(Math.max(b.maxReplicas(), 0), (int) Math.ceil(f.getAsDouble() * headroom - 1e-9));
        if (predicted <= d.desired()) return d;
        return decision(d.current(), predicted, b, d.hpa(), "Predictive", String.format(Locale.ROOT,
                "the daily shape asks for %.2f replicas at %s (median of past days x headroom %.2f); %s",
                f.getAsDouble(), ahead, headroom, d.explain()));
    }

    private void shape(Instant now, int current, List<MetricInput> metrics) {
        if (shape == null) return;
        double demand = demand(current, metrics);
        if (!Double.isNaN(demand)) shape.record(now, demand);
    }

    private static ScalingDecision decision(int current, int desired, ReplicaBounds b, Optional<HpaDecision> h, String rule, String why) {
        String windows = b.activeSchedules().isEmpty() ? "" : " windows " + b.activeSchedules();
        return new ScalingDecision(current, desired, b, h, rule,
                String.format(Locale.ROOT, "%d -> %d by %s (bounds %d..%d%s): %s", current, desired, rule, b.minReplicas(), b.maxReplicas(), windows, why));
    }

    /** Reports the outcome of acting on the last decision (HPA's rate limits count applied changes only). */
    public void applied(boolean succeeded) {
        if (pending == null) return;
        state = succeeded || !pending.rescale() ? pending.nextState()
                : new HpaState(pending.nextState().recommendations(), state.scaleUps(), state.scaleDowns());
        pending = null;
    }
}
