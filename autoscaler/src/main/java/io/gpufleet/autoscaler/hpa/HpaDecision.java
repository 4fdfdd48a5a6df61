package io.gpufleet.autoscaler.hpa;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The outcome of one sync and why.
 *
 * @param currentReplicas   the count before
 * @param desiredReplicas   the count to set (equal to current when nothing changes)
 * @param proposals         each metric's value and proposal
 * @param rawRecommendation the largest metric proposal (before stabilization), or current when none
 * @param stabilized        the recommendation after the stabilization windows
 * @param reason            the rule that set the final count (HPA condition reasons)
 * @param message           HPA's human text for the reason
 * @param nextState         state to pass to the next sync
 */
public record HpaDecision(int currentReplicas, int desiredReplicas, List<MetricProposal> proposals,
                          int rawRecommendation, int stabilized, Reason reason, String message, HpaState nextState) {
    public HpaDecision {
        proposals = List.copyOf(proposals);
    }

    /** The rule that limited or set the count, named as HPA's status conditions name it. */
    public enum Reason {
        DesiredWithinRange, ScaleUpLimit, TooManyReplicas, ScaleDownLimit, TooFewReplicas,
        /** current count outside min/max: brought back into range without reading metrics */
        OutsideBounds,
        /** scale is 0 and min is not: autoscaling disabled, as HPA does */
        ScalingDisabled,
        /** every metric invalid, or some invalid and the rest would scale down */
        InvalidMetrics
    }

    /**
     * One metric's contribution.
     *
     * @param value    the observed value (mean over pods for per-pod metrics), NaN when missing
     * @param ratio    value / target (usage ratio), NaN when missing
     * @param replicas the proposal, or -1 when the metric was invalid
     * @param note     why the proposal is what it is (tolerance, missing pods, ...)
     */
    public record MetricProposal(String metric, double value, double target, double ratio, int replicas, String note) {
        boolean valid() {
            return replicas >= 0;
        }
    }

    /** True when the count changes. */
    public boolean rescale() {
        return desiredReplicas != currentReplicas;
    }

    /** One line: metric values, raw and stabilized recommendation, the limiting rule. */
    public String explain() {
        String metrics = proposals.stream().map(p -> p.valid()
                ? String.format(Locale.ROOT, "%s=%.4g/target %.4g (ratio %.3f) -> %d%s", p.metric(), p.value(), p.target(), p.ratio(), p.replicas(), p.note().isEmpty() ? "" : " [" + p.note() + "]")
                : p.metric() + " invalid [" + p.note() + "]").collect(Collectors.joining("; "));
        return String.format(Locale.ROOT, "replicas %d -> %d: metrics {%s}; raw %d, stabilized %d; %s: %s",
                currentReplicas, desiredReplicas, metrics, rawRecommendation, stabilized, reason, message);
    }
}
