package io.gpufleet.autoscaler.hpa;

import io.gpufleet.contracts.time.ManualClock;
import io.gpufleet.autoscaler.hpa.HpaDecision.Reason;
import io.gpufleet.autoscaler.policy.ScalingPolicy.Behavior;
import io.gpufleet.autoscaler.policy.ScalingPolicy.Rule;
import io.gpufleet.autoscaler.policy.ScalingPolicy.RuleType;
import io.gpufleet.autoscaler.policy.ScalingPolicy.ScalingRules;
import io.gpufleet.autoscaler.policy.ScalingPolicy.SelectPolicy;
import io.gpufleet.autoscaler.policy.ScalingPolicy.TargetType;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HpaAlgorithmTest {
    static final Instant T0 = Instant.parse("2026-11-23T12:00:00Z");
    static final Behavior DEFAULTS = Behavior.defaults();

    static List<PodStatus> readyPods(int n) {
        List<PodStatus> pods = new ArrayList<>();
        for (int i = 0; i < n; i++) pods.add(PodStatus.ready("p" + i));
        return pods;
    }

    static MetricInput.PerPod util(double target, double... values) {
        Map<String, Double> m = new HashMap<>();
        for (int i = 0; i < values.length; i++) m.put("p" + i, values[i]);
        return new MetricInput.PerPod("gpu_util", TargetType.Utilization, target, m);
    }

    static MetricInput.Total external(double target, double value) {
        return new MetricInput.Total("rps", TargetType.AverageValue, target, OptionalDouble.of(value));
    }

    static HpaDecision once(int current, Behavior b, List<PodStatus> pods, MetricInput... metrics) {
        return HpaAlgorithm.decide(new HpaInput(current, 1, 100, b, List.of(metrics), pods), HpaState.empty(), T0);
    }

    @Test
    void documentedRatioDoublesAndHalves() {
        // "current 200m, desired 100m: replicas doubled; current 50m: halved" (HPA docs, algorithm details)
        assertEquals(8, once(4, DEFAULTS, readyPods(4), new MetricInput.PerPod("m", TargetType.AverageValue, 0.1,
                Map.of("p0", 0.2, "p1", 0.2, "p2", 0.2, "p3", 0.2))).desiredReplicas());
        HpaDecision half = once(4, DEFAULTS, readyPods(4), new MetricInput.PerPod("m", TargetType.AverageValue, 0.1,
                Map.of("p0", 0.05, "p1", 0.05, "p2", 0.05, "p3", 0.05)));
        assertEquals(2, half.stabilized());
        assertEquals(2, half.desiredReplicas(), "no history: the stabilization window holds only this sync");
    }

    @Test
    void walkthroughPhpApacheGoesFromOneToSeven() {
        // HPA walkthrough: target 50 % CPU, one pod at 305 % -> 7 replicas (ceil(6.1))
        HpaDecision d = once(1, DEFAULTS, readyPods(1), util(50, 305));
        assertEquals(7, d.rawRecommendation());
        // the default scale-up rules allow +4 pods or +100 % per 15 s: 1 -> 5 first
        assertEquals(5, d.desiredReplicas());
        assertEquals(Reason.ScaleUpLimit, d.reason());
        HpaDecision second = HpaAlgorithm.decide(new HpaInput(5, 1, 10, DEFAULTS, List.of(util(50, 305 / 5.0 * 1.4, 85, 85, 85, 85)), readyPods(5)),
                d.nextState(), T0.plusSeconds(15));
        assertEquals(9, second.rawRecommendation());
        assertEquals(9, second.desiredReplicas(), "a new period: the limit is 5 + max(4, 5)");
    }

    @Test
    void toleranceBandKeepsCurrent() {
        assertEquals(10, once(10, DEFAULTS, readyPods(10), external(10, 109.9)).desiredReplicas());
        assertEquals(10, once(10, DEFAULTS, readyPods(10), external(10, 90.1)).desiredReplicas());
        assertEquals(12, once(10, DEFAULTS, readyPods(10), external(10, 111)).desiredReplicas());
        assertEquals(9, once(10, DEFAULTS, readyPods(10), external(10, 89)).desiredReplicas());
        Behavior wide = new Behavior(new ScalingRules(0, SelectPolicy.Max, Behavior.defaultScaleUp().policies(), 0.25),
                Behavior.defaultScaleDown());
        assertEquals(10, once(10, wide, readyPods(10), external(10, 120)).desiredReplicas());
        assertEquals(9, once(10, wide, readyPods(10), external(10, 89)).desiredReplicas());
    }

    @Test
    void unreadyPodsCountAsZeroOnScaleUp() {
        List<PodStatus> pods = List.of(PodStatus.ready("p0"), PodStatus.ready("p1"), PodStatus.pending("p2"),
                new PodStatus("p3", PodStatus.Phase.Running, false, false));
        // ready pods at 90 % of a 50 % target (ratio 1.8); with 2 unready at 0 the mean is 45 -> ratio 0.9:
        // the direction flips, so HPA keeps the current count.
        HpaDecision d = once(4, DEFAULTS, pods, util(50, 90, 90, 0, 0));
        assertEquals(4, d.desiredReplicas());
        assertTrue(d.proposals().get(0).note().contains("unready at 0"), d.explain());
        // stronger load: 3 ready at 100 + 1 pending -> mean 75 -> ratio 1.5 over 4 pods -> 6
        List<PodStatus> pods2 = List.of(PodStatus.ready("p0"), PodStatus.ready("p1"), PodStatus.ready("p2"), PodStatus.pending("p3"));
        assertEquals(6, once(4, DEFAULTS, pods2, util(50, 100, 100, 100)).desiredReplicas());
    }

    @Test
    void missingMetricsDampenBothDirections() {
        // scale down: missing pod assumed at the target -> (20+20+20+50)/4 = 27.5 -> ratio 0.55 -> ceil(2.2) = 3
        HpaDecision down = once(4, DEFAULTS, readyPods(4), util(50, 20, 20, 20));
        assertEquals(3, down.rawRecommendation());
        // scale up: missing pod assumed at 0 -> (100+100+100+0)/4 = 75 -> ratio 1.5 -> 6
        assertEquals(6, once(4, DEFAULTS, readyPods(4), util(50, 100, 100, 100)).rawRecommendation());
        // failed and deleted pods are ignored entirely
        List<PodStatus> pods = new ArrayList<>(readyPods(2));
        pods.add(new PodStatus("p2", PodStatus.Phase.Failed, false, false));
        pods.add(new PodStatus("p3", PodStatus.Phase.Running, true, true));
        assertEquals(4, once(4, DEFAULTS, pods, util(50, 100, 100)).rawRecommendation());
    }

    @Test
    void multipleMetricsTakeTheMaxAndInvalidOnesBlockScaleDown() {
        HpaDecision d = once(4, DEFAULTS, readyPods(4), util(50, 25, 25, 25, 25), external(10, 70));
        assertEquals(7, d.rawRecommendation());
        MetricInput missing = new MetricInput.Total("q", TargetType.Value, 5, OptionalDouble.empty());
        HpaDecision blocked = once(4, DEFAULTS, readyPods(4), util(50, 10, 10, 10, 10), missing);
        assertEquals(4, blocked.desiredReplicas());
        assertEquals(Reason.InvalidMetrics, blocked.reason());
        HpaDecision up = once(4, DEFAULTS, readyPods(4), util(50, 100, 100, 100, 100), missing);
        assertEquals(8, up.desiredReplicas(), "a valid metric pointing up still scales up");
        assertEquals(Reason.InvalidMetrics, once(4, DEFAULTS, readyPods(4), missing).reason());
    }

    @Test
    void valueTargetUsesReadyPodCount() {
        // Object metric, Value target: ratio 2 over 3 ready pods (one pending) -> 6
        List<PodStatus> pods = List.of(PodStatus.ready("a"), PodStatus.ready("b"), PodStatus.ready("c"), PodStatus.pending("d"));
        assertEquals(6, once(4, DEFAULTS, pods, new MetricInput.Total("queue", TargetType.Value, 100, OptionalDouble.of(200))).rawRecommendation());
    }

    @Test
    void scaleDownStabilizationAppliesTheHighestRecentRecommendation() {
        HpaState s = HpaState.empty();
        int current = 10;
        int[] load = {100, 50, 50, 50};
        HpaDecision d = null;
        for (int i = 0; i < load.length; i++) {
            d = HpaAlgorithm.decide(new HpaInput(current, 1, 100, DEFAULTS, List.of(external(10, load[i])), readyPods(current)), s, T0.plusSeconds(15L * i));
            s = d.nextState();
            current = d.desiredReplicas();
        }
        assertEquals(10, current, "the recommendation of 10 is within the 300 s window");
        assertEquals(5, d.rawRecommendation());
        // recommendations at t=0 (10) leave the window once strictly more than 300 s have passed
        d = HpaAlgorithm.decide(new HpaInput(current, 1, 100, DEFAULTS, List.of(external(10, 50)), readyPods(current)), s, T0.plusSeconds(300));
        assertEquals(5, d.desiredReplicas(), d.explain());
    }

    @Test
    void scaleUpStabilizationAppliesTheLowestRecentRecommendation() {
        Behavior b = new Behavior(new ScalingRules(60, SelectPolicy.Max, Behavior.defaultScaleUp().policies(), 0.1), Behavior.defaultScaleDown());
        HpaDecision first = HpaAlgorithm.decide(new HpaInput(4, 1, 100, b, List.of(external(10, 40)), readyPods(4)), HpaState.empty(), T0);
        HpaDecision spike = HpaAlgorithm.decide(new HpaInput(4, 1, 100, b, List.of(external(10, 80)), readyPods(4)), first.nextState(), T0.plusSeconds(15));
        assertEquals(8, spike.rawRecommendation());
        assertEquals(4, spike.desiredReplicas());
        HpaDecision later = HpaAlgorithm.decide(new HpaInput(4, 1, 100, b, List.of(external(10, 80)), readyPods(4)), spike.nextState(), T0.plusSeconds(61));
        assertEquals(8, later.desiredReplicas());
    }

    @Test
    void documentedScaleDownPoliciesEightyReplicas() {
        // HPA docs: Pods 4/60 s and Percent 10/60 s; from 80 replicas the percent rule removes 8, then from 72 again 8.
        Behavior b = new Behavior(Behavior.defaultScaleUp(), new ScalingRules(0, SelectPolicy.Max,
                List.of(new Rule(RuleType.Pods, 4, 60), new Rule(RuleType.Percent, 10, 60)), 0.1));
        HpaState s = HpaState.empty();
        int current = 80;
        List<Integer> counts = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            HpaDecision d = HpaAlgorithm.decide(new HpaInput(current, 1, 100, b, List.of(external(10, 100)), readyPods(current)), s, T0.plusSeconds(15L * i));
            s = d.nextState();
            current = d.desiredReplicas();
            counts.add(current);
        }
        // a change every 60 s (period cutoff is exclusive): 72 at 0 s, 64 at 60 s, 57 at 120 s (int(64*0.9)), 51 at 180 s
        assertEquals(List.of(72, 72, 72, 72, 64, 64, 64, 64, 57), counts);
        // selectPolicy Min: the rule allowing the smallest change (4 pods)
        Behavior minSel = new Behavior(Behavior.defaultScaleUp(), new ScalingRules(0, SelectPolicy.Min, b.scaleDown().policies(), 0.1));
        assertEquals(76, once(80, minSel, readyPods(80), external(10, 100)).desiredReplicas());
        assertEquals(Reason.ScaleDownLimit, once(80, minSel, readyPods(80), external(10, 100)).reason());
        Behavior disabled = new Behavior(Behavior.defaultScaleUp(), new ScalingRules(0, SelectPolicy.Disabled, List.of(), 0.1));
        assertEquals(80, once(80, disabled, readyPods(80), external(10, 100)).desiredReplicas());
    }

    @Test
    void boundsAndZero() {
        HpaDecision tooMany = HpaAlgorithm.decide(new HpaInput(12, 1, 10, DEFAULTS, List.of(external(10, 500)), readyPods(12)), HpaState.empty(), T0);
        assertEquals(10, tooMany.desiredReplicas());
        assertEquals(Reason.OutsideBounds, tooMany.reason());
        HpaDecision capped = HpaAlgorithm.decide(new HpaInput(8, 1, 10, DEFAULTS, List.of(external(10, 500)), readyPods(8)), HpaState.empty(), T0);
        assertEquals(10, capped.desiredReplicas());
        assertEquals(Reason.TooManyReplicas, capped.reason());
        HpaDecision floor = HpaAlgorithm.decide(new HpaInput(8, 3, 10, DEFAULTS, List.of(external(10, 5)), readyPods(8)), HpaState.empty(), T0);
        assertEquals(3, floor.desiredReplicas());
        assertEquals(Reason.TooFewReplicas, floor.reason());
        // scale disabled at 0 when min > 0
        assertEquals(Reason.ScalingDisabled, HpaAlgorithm.decide(new HpaInput(0, 1, 10, DEFAULTS, List.of(external(10, 50)), List.of()), HpaState.empty(), T0).reason());
        // with min 0: from zero by ceil(value / target), to zero when the value is 0
        assertEquals(3, HpaAlgorithm.decide(new HpaInput(0, 0, 10, DEFAULTS, List.of(external(7, 15)), List.of()), HpaState.empty(), T0).desiredReplicas());
        assertEquals(0, HpaAlgorithm.decide(new HpaInput(0, 0, 10, DEFAULTS, List.of(external(7, 0)), List.of()), HpaState.empty(), T0).desiredReplicas());
        assertEquals(0, HpaAlgorithm.decide(new HpaInput(2, 0, 10, DEFAULTS, List.of(external(7, 0)), readyPods(2)), HpaState.empty(), T0).desiredReplicas());
        assertEquals(2, HpaAlgorithm.decide(new HpaInput(0, 0, 10, DEFAULTS,
                List.of(new MetricInput.Total("q", TargetType.Value, 10, OptionalDouble.of(15))), List.of()), HpaState.empty(), T0).desiredReplicas());
    }

    @Test
    void explanationNamesValuesRecommendationsAndRule() {
        String e = once(1, DEFAULTS, readyPods(1), util(50, 305)).explain();
        assertTrue(e.contains("gpu_util=305"), e);
        assertTrue(e.contains("raw 7, stabilized 7"), e);
        assertTrue(e.contains("ScaleUpLimit"), e);
    }

    @Test
    void scalerUsesInjectedClockAndForgetsFailedChanges() {
        ManualClock clock = new ManualClock(T0);
        HpaScaler scaler = new HpaScaler("ns/llm", clock);
        HpaDecision d = scaler.decide(new HpaInput(2, 1, 100, DEFAULTS, List.of(external(10, 100)), readyPods(2)));
        assertEquals(6, d.desiredReplicas());
        scaler.applied(d, false);
        assertTrue(scaler.state().scaleUps().isEmpty(), "a failed update is not a scale event");
        assertEquals(1, scaler.state().recommendations().size());
        clock.set(T0.plusSeconds(1).toEpochMilli());
        HpaDecision retry = scaler.decide(new HpaInput(2, 1, 100, DEFAULTS, List.of(external(10, 100)), readyPods(2)));
        assertEquals(6, retry.desiredReplicas(), "the retry is not rate-limited by the change that failed");
        scaler.applied(retry, true);
        assertEquals(List.of(new HpaState.ScaleEvent(4, T0.plusSeconds(1))), scaler.state().scaleUps());
    }

    @Test
    void randomInputsRespectBoundsRatesAndTolerance() {
        SplittableRandom rnd = new SplittableRandom(42);
        for (int k = 0; k < 3000; k++) {
            int min = rnd.nextInt(0, 5);
            int max = min + 1 + rnd.nextInt(50);
            int current = rnd.nextInt(Math.max(1, min), max + 1);
            double target = 1 + rnd.nextInt(20);
            double value = rnd.nextDouble() * target * current * 3;
            HpaState s = HpaState.empty();
            Instant t = T0;
            for (int step = 0; step < 10; step++) {
                HpaDecision d = HpaAlgorithm.decide(new HpaInput(current, min, max, DEFAULTS, List.of(external(target, value)), readyPods(current)), s, t);
                assertTrue(d.desiredReplicas() >= min && d.desiredReplicas() <= max, d.explain());
                assertTrue(d.desiredReplicas() <= Math.max(current + 4, 2 * current), d.explain());
                double ratio = value / (target * current);
                if (s.recommendations().isEmpty() && Math.abs(ratio - 1) <= 0.1) {
                    assertEquals(current, d.desiredReplicas(), d.explain());
                }
                if (d.desiredReplicas() < current) {
                    assertTrue(d.desiredReplicas() >= Math.ceil(value / target) || d.desiredReplicas() == min, d.explain());
                }
                s = d.nextState();
                current = d.desiredReplicas();
                t = t.plusSeconds(15);
                value = Math.max(0, value * (0.7 + 0.6 * rnd.nextDouble()));
            }
        }
    }
}
