package io.gpufleet.autoscaler.replay;

import io.gpufleet.autoscaler.hpa.HpaAlgorithm;
import io.gpufleet.autoscaler.hpa.HpaDecision;
import io.gpufleet.autoscaler.hpa.HpaInput;
import io.gpufleet.autoscaler.hpa.HpaState;
import io.gpufleet.autoscaler.hpa.MetricInput;
import io.gpufleet.autoscaler.policy.ScalingPolicy.Behavior;
import io.gpufleet.autoscaler.policy.ScalingPolicy.TargetType;

import java.time.Instant;
import java.util.List;
import java.util.OptionalDouble;

/**
 * The {@code hpa} baseline: {@link HpaAlgorithm} itself with an External metric (the 30-s average arrival
 * rate) and an AverageValue target of 7 requests/s per replica, HPA's default behavior (scale-up +4 pods or
 * +100 % per 15 s, scale-down stabilization 300 s and up to −100 % per 15 s), sync every 15 s.
 */
public final class HpaReplayPolicy implements InferencePolicy {
    /** Requests/s per replica HPA aims at (70 % of C). */
    public static final double TARGET_PER_REPLICA = 7.0;
    private static final Instant ORIGIN = Instant.EPOCH;
    private HpaState state = HpaState.empty();

    @Override
    public int periodSeconds() {
        return 15;
    }

    @Override
    public int decide(ReplayView v) {
        int t = v.now();
        double metric = v.meanArrivals(t - 29, t);
        int current = v.ready() + v.starting();
        HpaInput in = new HpaInput(current, InferenceReplay.MIN_REPLICAS, InferenceReplay.MAX_REPLICAS, Behavior.defaults(),
                List.of(new MetricInput.Total("arrival_rate_30s", TargetType.AverageValue, TARGET_PER_REPLICA, OptionalDouble.of(metric))),
                List.of());
        HpaDecision d = HpaAlgorithm.decide(in, state, ORIGIN.plusSeconds(t + 1L));
        state = d.nextState();
        return d.desiredReplicas();
    }
}
