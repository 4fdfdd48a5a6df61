package io.gpufleet.autoscaler.hpa;

import io.gpufleet.autoscaler.hpa.HpaDecision.MetricProposal;
import io.gpufleet.autoscaler.hpa.HpaDecision.Reason;
import io.gpufleet.autoscaler.hpa.HpaState.Recommendation;
import io.gpufleet.autoscaler.hpa.HpaState.ScaleEvent;
import io.gpufleet.autoscaler.policy.ScalingPolicy.Behavior;
import io.gpufleet.autoscaler.policy.ScalingPolicy.Rule;
import io.gpufleet.autoscaler.policy.ScalingPolicy.RuleType;
import io.gpufleet.autoscaler.policy.ScalingPolicy.ScalingRules;
import io.gpufleet.autoscaler.policy.ScalingPolicy.SelectPolicy;
import io.gpufleet.autoscaler.policy.ScalingPolicy.TargetType;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Kubernetes HorizontalPodAutoscaler algorithm (autoscaling/v2, pkg/controller/podautoscaler) as a
 * pure function: same formula {@code ceil(currentReplicas × currentMetric / target)}, tolerance band,
 * missing-metric and unready-pod handling, the largest proposal over several metrics, stabilization windows
 * and Pods/Percent rate policies with Max/Min/Disabled selection. The caller passes the instant (from an
 * injected clock) and the previous {@link HpaState}; nothing here reads a clock or does I/O.
 */
public final class HpaAlgorithm {
    private HpaAlgorithm() {
    }

    /** One sync. */
    public static HpaDecision decide(HpaInput in, HpaState state, Instant now) {
        int current = in.currentReplicas();
        if (current == 0 && in.minReplicas() != 0) {
            return new HpaDecision(0, 0, List.of(), 0, 0, Reason.ScalingDisabled,
                    "scale is 0 and minReplicas is not: autoscaling is disabled for the target", state);
        }
        if (current > in.maxReplicas() || current < in.minReplicas()) {
            int desired = Math.max(in.minReplicas(), Math.min(in.maxReplicas(), current));
            HpaState next = state.scaled(current, desired, now, eventKeepSeconds(in.behavior()));
            return new HpaDecision(current, desired, List.of(), desired, desired, Reason.OutsideBounds,
                    current > in.maxReplicas() ? "current replicas above maxReplicas" : "current replicas below minReplicas", next);
        }

        List<MetricProposal> proposals = new ArrayList<>();
        int invalid = 0;
        int raw = -1;
        for (MetricInput m : in.metrics()) {
            MetricProposal p = propose(m, in, current);
            proposals.add(p);
            if (p.valid()) raw = Math.max(raw, p.replicas());
            else invalid++;
        }
        if (invalid >= in.metrics().size() || (invalid > 0 && raw < current)) {
            // HPA refuses to act on partial data that points down: a missing metric might be the high one.
            return new HpaDecision(current, current, proposals, current, current, Reason.InvalidMetrics,
                    invalid >= in.metrics().size() ? "no metric could be computed" : "some metrics invalid and the rest would scale down", state);
        }

        Behavior b = in.behavior();
        // Stabilization: min of recent recommendations bounds scale-up, max bounds scale-down.
        Instant upCutoff = now.minusSeconds(b.scaleUp().stabilizationWindowSeconds());
        Instant downCutoff = now.minusSeconds(b.scaleDown().stabilizationWindowSeconds());
        int up = raw;
        int down = raw;
        for (Recommendation r : state.recommendations()) {
            if (r.at().isAfter(upCutoff)) up = Math.min(up, r.replicas());
            if (r.at().isAfter(downCutoff)) down = Math.max(down, r.replicas());
        }
        int stabilized = current;
        if (stabilized < up) stabilized = up;
        if (stabilized > down) stabilized = down;
        HpaState next = state.record(raw, now, Math.max(b.scaleUp().stabilizationWindowSeconds(), b.scaleDown().stabilizationWindowSeconds()));

        int desired = stabilized;
        Reason reason = Reason.DesiredWithinRange;
        String message = stabilized != raw
                ? (raw >= current ? "recent recommendations were higher than current one, applying the highest recent recommendation"
                : "recent recommendations were lower than current one, applying the lowest recent recommendation")
                : "the desired count is within the acceptable range";
        if (stabilized > current) {
            int limit = Math.max(current, scaleUpLimit(current, state, b.scaleUp(), now));
            int allowed = in.maxReplicas();
            Reason r = Reason.TooManyReplicas;
            String msg = "the desired replica count is more than the maximum replica count";
            if (allowed > limit) {
                allowed = limit;
                r = Reason.ScaleUpLimit;
                msg = "the desired replica count is increasing faster than the maximum scale rate";
            }
            if (stabilized > allowed) {
                desired = allowed;
                reason = r;
                message = msg;
            }
        } else if (stabilized < current) {
            int limit = Math.min(current, scaleDownLimit(current, state, b.scaleDown(), now));
            int allowed = in.minReplicas();
            Reason r = Reason.TooFewReplicas;
            String msg = "the desired replica count is less than the minimum replica count";
            if (allowed < limit) {
                allowed = limit;
                r = Reason.ScaleDownLimit;
                msg = "the desired replica count is decreasing faster than the maximum scale rate";
            }
            if (stabilized < allowed) {
                desired = allowed;
                reason = r;
                message = msg;
            }
        }
        next = next.scaled(current, desired, now, eventKeepSeconds(b));
        return new HpaDecision(current, desired, proposals, raw, stabilized, reason, message, next);
    }

    private static long eventKeepSeconds(Behavior b) {
        long keep = 0;
        for (Rule r : b.scaleUp().policies()) keep = Math.max(keep, r.periodSeconds());
        for (Rule r : b.scaleDown().policies()) keep = Math.max(keep, r.periodSeconds());
        return keep;
    }

    private static int changeInPeriod(List<ScaleEvent> events, int periodSeconds, Instant now) {
        Instant cutoff = now.minusSeconds(periodSeconds);
        int sum = 0;
        for (ScaleEvent e : events) {
            if (e.at().isAfter(cutoff)) sum += e.change();
        }
        return sum;
    }

    /** HPA's calculateScaleUpLimitWithScalingRules. */
    static int scaleUpLimit(int current, HpaState s, ScalingRules rules, Instant now) {
        if (rules.selectPolicy() == SelectPolicy.Disabled) return current;
        boolean min = rules.selectPolicy() == SelectPolicy.Min;
        long result = min ? Integer.MAX_VALUE : Integer.MIN_VALUE;
        for (Rule r : rules.policies()) {
            int periodStart = current - changeInPeriod(s.scaleUps(), r.periodSeconds(), now)
                    + changeInPeriod(s.scaleDowns(), r.periodSeconds(), now);
            long proposed = r.type() == RuleType.Pods
                    ? (long) periodStart + r.value()
                    : (long) Math.ceil(periodStart * (1 + r.value() / 100.0));
            result = min ? Math.min(result, proposed) : Math.max(result, proposed);
        }
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, result));
    }

    /** HPA's calculateScaleDownLimitWithBehaviors. */
    static int scaleDownLimit(int current, HpaState s, ScalingRules rules, Instant now) {
        if (rules.selectPolicy() == SelectPolicy.Disabled) return current;
        boolean min = rules.selectPolicy() == SelectPolicy.Min;
        long result = min ? Integer.MIN_VALUE : Integer.MAX_VALUE;
        for (Rule r : rules.policies()) {
            int periodStart = current - changeInPeriod(s.scaleUps(), r.periodSeconds(), now)
                    + changeInPeriod(s.scaleDowns(), r.periodSeconds(), now);
            long proposed = r.type() == RuleType.Pods
                    ? (long) periodStart - r.value()
                    : (long) (periodStart * (1 - r.value() / 100.0));
            result = min ? Math.max(result, proposed) : Math.min(result, proposed);
        }
        return (int) result;
    }

    private static boolean within(double ratio, Behavior b) {
        return 1.0 - b.scaleDown().tolerance() <= ratio && ratio <= 1.0 + b.scaleUp().tolerance();
    }

    private static MetricProposal propose(MetricInput m, HpaInput in, int current) {
        Behavior b = in.behavior();
        if (m instanceof MetricInput.Total t) {
            if (t.value().isEmpty()) {
                return new MetricProposal(t.name(), Double.NaN, t.target(), Double.NaN, -1, "metric unavailable");
            }
            double v = t.value().getAsDouble();
            if (t.type() == TargetType.AverageValue) {
                // External/Object AverageValue: value / (target × current); the proposal is ceil(value / target).
                double ratio = v / (t.target() * current);
                if (within(ratio, b) || (current == 0 && v == 0)) {
                    return new MetricProposal(t.name(), v, t.target(), ratio, current, "within tolerance");
                }
                return new MetricProposal(t.name(), v, t.target(), ratio, (int) Math.ceil(v / t.target()), "");
            }
            double ratio = v / t.target();
            if (current == 0) {
                return new MetricProposal(t.name(), v, t.target(), ratio, (int) Math.ceil(ratio), "from zero");
            }
            if (within(ratio, b)) {
                return new MetricProposal(t.name(), v, t.target(), ratio, current, "within tolerance");
            }
            long ready = in.pods().stream().filter(PodStatus::countsAsReady).count();
            return new MetricProposal(t.name(), v, t.target(), ratio, (int) Math.ceil(ratio * ready), ready + " ready pods");
        }
        MetricInput.PerPod p = (MetricInput.PerPod) m;
        Map<String, Double> metrics = new HashMap<>();
        List<String> unready = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        int ready = 0;
        int live = 0;
        for (PodStatus pod : in.pods()) {
            if (pod.ignored()) continue;
            live++;
            if (pod.phase() == PodStatus.Phase.Pending) {
                unready.add(pod.name());
                continue;
            }
            Double v = p.values().get(pod.name());
            if (v == null) {
                missing.add(pod.name());
                continue;
            }
            if (pod.unready()) {
                unready.add(pod.name());
                continue;
            }
            metrics.put(pod.name(), v);
            ready++;
        }
        if (live == 0) {
            return new MetricProposal(p.name(), Double.NaN, p.target(), Double.NaN, -1, "no pods");
        }
        if (metrics.isEmpty()) {
            return new MetricProposal(p.name(), Double.NaN, p.target(), Double.NaN, -1, "no metrics for ready pods");
        }
        double mean = mean(metrics);
        double ratio = mean / p.target();
        boolean upWithUnready = !unready.isEmpty() && ratio > 1.0;
        if (!upWithUnready && missing.isEmpty()) {
            if (within(ratio, b)) {
                return new MetricProposal(p.name(), mean, p.target(), ratio, current, "within tolerance");
            }
            return new MetricProposal(p.name(), mean, p.target(), ratio, (int) Math.ceil(ratio * ready), ready + " ready pods");
        }
        StringBuilder note = new StringBuilder();
        if (!missing.isEmpty()) {
            // Scale-down: missing pods assumed at target; scale-up: at zero. Either way it damps the move.
            double assumed = ratio < 1.0 ? p.target() : 0.0;
            for (String name : missing) metrics.put(name, assumed);
            note.append(missing.size()).append(" missing at ").append(ratio < 1.0 ? "target" : "0");
        }
        if (upWithUnready) {
            for (String name : unready) metrics.put(name, 0.0);
            if (note.length() > 0) note.append(", ");
            note.append(unready.size()).append(" unready at 0");
        }
        double newRatio = mean(metrics) / p.target();
        if (within(newRatio, b) || (ratio < 1.0 && newRatio > 1.0) || (ratio > 1.0 && newRatio < 1.0)) {
            return new MetricProposal(p.name(), mean, p.target(), ratio, current, note + "; recomputed ratio " + round(newRatio) + " keeps current");
        }
        int proposal = (int) Math.ceil(newRatio * metrics.size());
        if ((newRatio < 1.0 && proposal > current) || (newRatio > 1.0 && proposal < current)) {
            return new MetricProposal(p.name(), mean, p.target(), ratio, current, note + "; proposal against the direction keeps current");
        }
        return new MetricProposal(p.name(), mean, p.target(), ratio, proposal, note + "; recomputed ratio " + round(newRatio));
    }

    private static String round(double d) {
        return String.format(java.util.Locale.ROOT, "%.3f", d);
    }

    private static double mean(Map<String, Double> values) {
        double s = 0;
        for (double v : values.values()) s += v;
        return s / values.size();
    }
}
