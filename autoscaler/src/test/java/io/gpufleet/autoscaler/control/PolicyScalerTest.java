package io.gpufleet.autoscaler.control;

import io.gpufleet.contracts.time.ManualClock;
import java.time.Duration;
import io.gpufleet.autoscaler.hpa.MetricInput;
import io.gpufleet.autoscaler.hpa.PodStatus;
import io.gpufleet.autoscaler.policy.PolicyLoadResult;
import io.gpufleet.autoscaler.policy.PolicyLoader;
import io.gpufleet.autoscaler.policy.ScalingPolicy;
import io.gpufleet.autoscaler.policy.ScalingPolicy.TargetType;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PolicyScalerTest {
    final ManualClock clock = new ManualClock(Instant.parse("2026-11-23T10:00:00Z"));

    static ScalingPolicy policy() {
        PolicyLoadResult r = PolicyLoader.load("p.yaml", """
                apiVersion: autoscaling.gpufleet.io/v1
                kind: ScalingPolicy
                metadata: {name: llm}
                spec:
                  targetRef: {kind: Deployment, name: llm}
                  minReplicas: 0
                  maxReplicas: 20
                  metrics:
                    - type: Prometheus
                      prometheus: {query: 'sum(rate(requests_total[1m]))'}
                      target: {type: AverageValue, averageValue: 7}
                  schedules:
                    - {name: evening, cron: "0 0 18 * * *", timeZone: UTC, duration: 2h, minReplicas: 4}
                  scaleToZero: {activationThreshold: 0.5, idlePeriodSeconds: 600}
                """);
        assertTrue(r.ok(), r.errors()::toString);
        return r.policies().get(0);
    }

    static List<MetricInput> rps(double v) {
        return List.of(new MetricInput.Total("rps", TargetType.AverageValue, 7, OptionalDouble.of(v)));
    }

    static List<PodStatus> pods(int n) {
        List<PodStatus> p = new ArrayList<>();
        for (int i = 0; i < n; i++) p.add(PodStatus.ready("p" + i));
        return p;
    }

    @Test
    void wakesFromZeroScalesWithHpaAndReturnsToZeroAfterTheIdlePeriod() {
        PolicyScaler s = new PolicyScaler(policy(), clock);
        ScalingDecision idle = s.decide(0, rps(0.2), List.of());
        assertEquals(0, idle.desired());
        assertEquals("StayAtZero", idle.rule());
        ScalingDecision wake = s.decide(0, rps(30), List.of());
        assertEquals(1, wake.desired());
        assertEquals("WakeFromZero", wake.rule());
        s.applied(true);
        clock.advance(Duration.ofSeconds(15));
        ScalingDecision up = s.decide(1, rps(30), pods(1));
        assertEquals(5, up.desired(), "ceil(30 / 7) = 5, within HPA's limit max(1 + 4, 2 × 1): " + up.explain());
        s.applied(true);
        // traffic stops: HPA keeps >= 1 until the idle period has passed, then zero
        int current = up.desired();
        ScalingDecision d = null;
        for (int i = 1; i <= 40; i++) {
            clock.advance(Duration.ofSeconds(15));
            d = s.decide(current, rps(0), pods(current));
            s.applied(true);
            if (i * 15 < 600) assertTrue(d.desired() >= 1, d.explain());
            current = d.desired();
        }
        assertEquals(0, current);
        assertTrue(d.explain().contains("bounds 0..20"), d.explain());
    }

    @Test
    void cronWindowRaisesTheFloorEvenAtZero() {
        PolicyScaler s = new PolicyScaler(policy(), clock);
        clock.set(Instant.parse("2026-11-23T18:30:00Z").toEpochMilli());
        ScalingDecision d = s.decide(0, rps(0), List.of());
        assertEquals(4, d.desired());
        assertEquals(List.of("evening"), d.bounds().activeSchedules());
        ScalingDecision hpa = s.decide(2, rps(0), pods(2));
        assertEquals(4, hpa.desired(), hpa.explain());
        assertTrue(hpa.explain().contains("windows [evening]"), hpa.explain());
    }

    static ScalingPolicy perPodPolicy(boolean predictive) {
        PolicyLoadResult r = PolicyLoader.load("p.yaml", """
                apiVersion: autoscaling.gpufleet.io/v1
                kind: ScalingPolicy
                metadata: {name: chat}
                spec:
                  targetRef: {kind: Deployment, name: chat}
                  minReplicas: 1
                  maxReplicas: 30
                  coldStartSeconds: 300
                  metrics:
                    - type: GpuUtilization
                      target: {type: Utilization, averageUtilization: 50}
                """ + (predictive ? "  predictive: {historyDays: 7, minHistoryDays: 2, headroom: 1.0}\n" : ""));
        assertTrue(r.ok(), r.errors()::toString);
        return r.policies().get(0);
    }

    /** Demand in replicas at 50 % utilisation: 2 at night, 10 from 09:00 to 17:00 UTC. */
    static double demandAt(Instant t) {
        int h = t.atZone(ZoneOffset.UTC).getHour();
        return h >= 9 && h < 17 ? 10 : 2;
    }

    /** Runs days of 15-s syncs, applying each decision at once; returns the count decided at {@code probe}. */
    int runDays(ScalingPolicy policy, Instant start, Instant probe) {
        clock.set(start.toEpochMilli());
        PolicyScaler s = new PolicyScaler(policy, clock);
        int current = 1;
        int atProbe = -1;
        while (!clock.instant().isAfter(probe)) {
            double util = demandAt(clock.instant()) * 50 / current; // the demand spread over the replicas
            java.util.Map<String, Double> values = new java.util.HashMap<>();
            for (int i = 0; i < current; i++) values.put("p" + i, util);
            ScalingDecision d = s.decide(current, List.of(new MetricInput.PerPod("gpu", TargetType.Utilization, 50, values)), pods(current));
            s.applied(true);
            if (clock.instant().equals(probe)) atProbe = d.desired();
            current = Math.max(1, d.desired());
            clock.advance(Duration.ofSeconds(15));
        }
        return atProbe;
    }

    @Test
    void predictiveScalesAheadOfTheDailyRiseByOneColdStart() {
        Instant start = Instant.parse("2026-11-20T00:00:00Z");
        Instant probe = Instant.parse("2026-11-22T08:56:00Z"); // two days learned; the rise comes at 09:00
        assertEquals(2, runDays(perPodPolicy(false), start, probe), "HPA follows the current demand");
        assertEquals(10, runDays(perPodPolicy(true), start, probe), "the 09:00 slot's peak, 300 s ahead");
        Instant early = Instant.parse("2026-11-22T08:50:00Z");
        assertEquals(2, runDays(perPodPolicy(true), start, early), "more than a cold start before the rise: not yet");
        Instant firstDay = Instant.parse("2026-11-21T08:56:00Z");
        assertEquals(2, runDays(perPodPolicy(true), start, firstDay), "one day of history is below minHistoryDays");
    }

    @Test
    void demandIsWhatTheMetricsAskForBeforeLimits() {
        assertEquals(3.0, PolicyScaler.demand(2, List.of(new MetricInput.PerPod("gpu", TargetType.Utilization, 50,
                java.util.Map.of("a", 90.0, "b", 60.0)))), 1e-9);
        assertEquals(4.0, PolicyScaler.demand(9, rps(28)), 1e-9, "a total AverageValue divides by the target");
        assertEquals(6.0, PolicyScaler.demand(3, List.of(new MetricInput.Total("q", TargetType.Value, 10, OptionalDouble.of(20)))), 1e-9);
        assertTrue(Double.isNaN(PolicyScaler.demand(3, List.of(new MetricInput.Total("q", TargetType.Value, 10, OptionalDouble.empty())))));
    }
}
