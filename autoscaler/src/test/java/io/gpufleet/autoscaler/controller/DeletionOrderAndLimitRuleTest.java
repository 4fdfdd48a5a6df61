package io.gpufleet.autoscaler.controller;

import io.gpufleet.autoscaler.control.PolicyScaler;
import io.gpufleet.autoscaler.control.ScalingDecision;
import io.gpufleet.autoscaler.hpa.MetricInput;
import io.gpufleet.autoscaler.hpa.PodStatus;
import io.gpufleet.autoscaler.policy.ScalingPolicy;
import io.gpufleet.autoscaler.policy.ScalingPolicy.TargetType;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DeletionOrderAndLimitRuleTest {
    static TargetState.Replica r(String name, boolean ready, boolean spot, boolean preempting) {
        PodStatus s = new PodStatus(name, ready ? PodStatus.Phase.Running : PodStatus.Phase.Pending, ready, false);
        return new TargetState.Replica(s, ready ? "n" : "", spot, preempting, 0);
    }

    @Test
    void preemptedThenUnreadyThenSpotThenIdlestGoFirst() {
        List<TargetState.Replica> pods = List.of(r("busy", true, false, false), r("idle", true, false, false),
                r("spot", true, true, false), r("starting", false, false, false), r("doomed", true, false, true),
                new TargetState.Replica(new PodStatus("gone", PodStatus.Phase.Running, true, true), "n", false, false, 0));
        Map<String, Integer> c = DeletionOrder.costs(pods, Map.of("busy", 90.0, "idle", 3.0, "spot", 95.0, "doomed", 99.0));
        assertEquals(List.of("doomed", "starting", "spot", "idle", "busy"),
                c.entrySet().stream().sorted(Map.Entry.comparingByValue()).map(Map.Entry::getKey).toList());
        assertEquals(5, c.size(), "a pod already being deleted gets no cost");
    }

    static ScalingPolicy policy(String extra) {
        return KubeFixture.policy("""
                apiVersion: autoscaling.gpufleet.io/v1
                kind: ScalingPolicy
                metadata: {name: p}
                spec:
                  targetRef: {kind: Deployment, name: d}
                  minReplicas: 2
                  maxReplicas: 6
                  metrics:
                    - type: Prometheus
                      prometheus: {query: q}
                      target: {type: AverageValue, averageValue: 10}
                %s""".formatted(extra));
    }

    static Optional<String> limit(ScalingPolicy p, int current, double value, Instant at) {
        ScalingDecision d = new PolicyScaler(p, Clock.fixed(at, ZoneOffset.UTC)).decide(current,
                List.of(new MetricInput.Total("q", TargetType.AverageValue, 10, Double.isNaN(value) ? OptionalDouble.empty() : OptionalDouble.of(value))),
                List.of());
        return LimitRule.of(p, d);
    }

    @Test
    void eachRuleMapsToItsLabel() {
        Instant noon = Instant.parse("2026-11-23T12:00:00Z");
        ScalingPolicy p = policy("");
        assertEquals(Optional.empty(), limit(p, 3, 50, noon), "5 replicas, within 2..6 and the rate limits");
        assertEquals(Optional.of(LimitRule.MAX_REPLICAS), limit(p, 4, 200, noon));
        assertEquals(Optional.of(LimitRule.MIN_REPLICAS), limit(p, 4, 1, noon));
        assertEquals(Optional.of(LimitRule.TOLERANCE), limit(p, 4, 41, noon));
        assertEquals(Optional.of(LimitRule.INVALID_METRICS), limit(p, 4, Double.NaN, noon));
        ScalingPolicy windowed = policy("  schedules:\n    - {name: lunch, cron: \"0 0 11 * * *\", timeZone: UTC, duration: 2h, maxReplicas: 3}\n");
        assertEquals(Optional.of(LimitRule.SCHEDULE), limit(windowed, 2, 200, noon), "the window's max, not the policy's");
        ScalingPolicy slow = policy("  behavior:\n    scaleUp: {policies: [{type: Pods, value: 1, periodSeconds: 60}]}\n");
        assertEquals(Optional.of(LimitRule.BEHAVIOR_POLICY), limit(slow, 2, 60, noon));
    }
}
