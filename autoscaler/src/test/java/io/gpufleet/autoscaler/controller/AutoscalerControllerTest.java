package io.gpufleet.autoscaler.controller;

import io.gpufleet.autoscaler.actuate.Actuator;
import io.gpufleet.autoscaler.actuate.Fabric8ScaleApi;
import io.gpufleet.autoscaler.actuate.ScaleApi;
import io.gpufleet.autoscaler.policy.ScalingPolicy;
import io.gpufleet.autoscaler.policy.ScalingPolicy.TargetKind;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AutoscalerControllerTest {
    static final String NS = "inference";
    final KubeFixture k = new KubeFixture();
    final FixedSignals signals = new FixedSignals();
    final InMemoryGpuCapacity capacity = new InMemoryGpuCapacity();
    final AutoscalerMetrics metrics = new AutoscalerMetrics();

    @AfterEach
    void close() {
        k.close();
    }

    static ScalingPolicy gpuPolicy(String name, String spot) {
        return KubeFixture.policy("""
                apiVersion: autoscaling.gpufleet.io/v1
                kind: ScalingPolicy
                metadata: {name: %s, namespace: inference}
                spec:
                  targetRef: {kind: Deployment, name: %s}
                  minReplicas: 1
                  maxReplicas: 10
                  metrics:
                    - type: GpuUtilization
                      target: {type: Utilization, averageUtilization: 50}
                %s""".formatted(name, name, spot));
    }

    AutoscalerController controller(List<ScalingPolicy> policies, ScaleApi api, boolean dryRun) {
        Actuator actuator = new Actuator(api, k.clock, dryRun, Duration.ofSeconds(1), Duration.ofSeconds(30));
        return new AutoscalerController(policies, new Fabric8Workloads(k.client), signals, actuator, Optional.of(capacity),
                new Fabric8DecisionEvents(k.client, k.clock), metrics, k.clock, Optional.empty());
    }

    AutoscalerController controller(ScalingPolicy p) {
        return controller(List.of(p), new Fabric8ScaleApi(k.client), false);
    }

    double metric(String name, Map<String, String> labels) {
        return Scrape.value(metrics.scrape(), name, labels).orElseThrow(() -> new AssertionError(name + labels + " absent:\n" + metrics.scrape()));
    }

    void twoBusyReplicas() {
        k.node("od-1", false, false);
        k.deployment(NS, "llm", 2, 1);
        k.pod(NS, "llm", "llm-a", "od-1");
        k.pod(NS, "llm", "llm-b", "od-1");
        signals.pod("gpu_utilization", "llm-a", 100).pod("gpu_utilization", "llm-b", 100);
    }

    @Test
    void scaleUpIsExplainedInTheLogLineTheEventAndTheMetrics() {
        twoBusyReplicas();
        capacity.node("od-1", 8, false);
        AutoscalerController c = controller(gpuPolicy("llm", ""));
        AutoscalerController.Outcome o = c.tick().get(0);
        assertEquals(4, k.replicas(NS, "llm"), "utilization 100 % against a 50 % target doubles 2 replicas");
        assertEquals("up", o.direction());
        assertTrue(o.explain().contains("gpu_utilization=100.0/target 50.00"), o.explain());
        assertTrue(o.explain().contains("raw 4, stabilized 4"), o.explain());
        List<String> ev = k.events(NS, "llm");
        assertEquals(1, ev.size(), ev::toString);
        assertTrue(ev.get(0).startsWith("SuccessfulRescale: New size: 4; reason: DesiredWithinRange"), ev::toString);
        Map<String, String> target = Map.of("policy", "llm", "namespace", NS, "target", "Deployment/llm");
        assertEquals(2, metric("gpufleet_autoscaler_replicas", target));
        assertEquals(4, metric("gpufleet_autoscaler_desired_replicas", target));
        assertEquals(1, metric("gpufleet_autoscaler_decisions_total", Map.of("policy", "llm", "direction", "up")));
        assertEquals(100, metric("gpufleet_autoscaler_metric_value", Map.of("policy", "llm", "metric", "gpu_utilization")));
        assertEquals(k.clock.instant().getEpochSecond(), metric("gpufleet_autoscaler_last_decision_timestamp_seconds", Map.of("policy", "llm")));
        assertEquals(0, metric("gpufleet_autoscaler_unplaceable_replicas", Map.of("policy", "llm")));

        // Next pass, same metrics over 4 replicas: nothing to do, no new event.
        k.pod(NS, "llm", "llm-c", "od-1");
        k.pod(NS, "llm", "llm-d", "od-1");
        signals.pod("gpu_utilization", "llm-a", 50).pod("gpu_utilization", "llm-b", 50)
                .pod("gpu_utilization", "llm-c", 50).pod("gpu_utilization", "llm-d", 50);
        k.advance(15);
        AutoscalerController.Outcome o2 = c.tick().get(0);
        assertEquals("none", o2.direction());
        assertEquals(Optional.of(LimitRule.TOLERANCE), o2.limitedBy());
        assertEquals(1, k.events(NS, "llm").size());
        assertEquals(1, metric("gpufleet_autoscaler_decisions_total", Map.of("policy", "llm", "direction", "none")));
        assertEquals(1, metric("gpufleet_autoscaler_limited_total", Map.of("policy", "llm", "reason", "tolerance")));
    }

    @Test
    void scaleUpIsCappedAtWhatFreeGpusHoldAndTheRestIsReported() {
        twoBusyReplicas();
        capacity.node("od-1", 1, false).node("od-2", 1, false); // two single free GPUs: one 1-GPU replica each
        AutoscalerController c = controller(gpuPolicy("llm", ""));
        AutoscalerController.Outcome o = c.tick().get(0);
        assertEquals(4, k.replicas(NS, "llm"), "two 1-GPU replicas fit on two nodes with one free GPU each");
        assertEquals(0, o.unplaceable());

        capacity.node("od-1", 1, false).node("od-2", 0, false);
        k.pod(NS, "llm", "llm-c", "");  // the two replicas just created: one still waits for a GPU
        k.pod(NS, "llm", "llm-d", "od-1");
        signals.pod("gpu_utilization", "llm-d", 100).pod("gpu_utilization", "llm-c", 100);
        k.advance(15);
        o = c.tick().get(0);
        // 3 ready at 100 % → 6 wanted; the one free GPU goes to the waiting pod, nothing is left for new replicas
        assertEquals(4, k.replicas(NS, "llm"));
        assertEquals(Optional.of(LimitRule.GPU_CAPACITY), o.limitedBy());
        assertEquals(2, o.unplaceable());
        assertEquals(2, metric("gpufleet_autoscaler_unplaceable_replicas", Map.of("policy", "llm")));
        assertEquals(1, metric("gpufleet_autoscaler_limited_total", Map.of("policy", "llm", "reason", "gpu_capacity")));
        assertTrue(k.events(NS, "llm").stream().anyMatch(e -> e.startsWith("ReplicasUnplaceable: 2 replicas of 1 GPUs wanted but not placeable")),
                k.events(NS, "llm")::toString);
        // the same shortage next pass: reported in the metric, not as a new event every 15 s
        k.advance(15);
        c.tick();
        assertEquals(1, k.events(NS, "llm").stream().filter(e -> e.startsWith("ReplicasUnplaceable")).count());
    }

    @Test
    void twoPoliciesOfOnePassDoNotCountTheSameFreeGpu() {
        twoBusyReplicas();
        k.deployment(NS, "emb", 2, 1);
        k.pod(NS, "emb", "emb-a", "od-1");
        k.pod(NS, "emb", "emb-b", "od-1");
        signals.pod("gpu_utilization", "emb-a", 100).pod("gpu_utilization", "emb-b", 100);
        capacity.node("od-1", 3, false);
        AutoscalerController c = controller(List.of(gpuPolicy("llm", ""), gpuPolicy("emb", "")), new Fabric8ScaleApi(k.client), false);
        List<AutoscalerController.Outcome> out = c.tick();
        assertEquals(4, k.replicas(NS, "llm"));
        assertEquals(3, k.replicas(NS, "emb"), "only one free GPU was left after llm took two");
        assertEquals(1, out.get(1).unplaceable());
    }

    @Test
    void scaleDownRemovesSpotThenIdleReplicasFirst() {
        k.node("od-1", false, false);
        k.node("spot-1", true, false);
        k.deployment(NS, "llm", 4, 1);
        k.pod(NS, "llm", "llm-a", "od-1");
        k.pod(NS, "llm", "llm-b", "spot-1");
        k.pod(NS, "llm", "llm-c", "od-1");
        k.pod(NS, "llm", "llm-d", "od-1");
        signals.pod("gpu_utilization", "llm-a", 5).pod("gpu_utilization", "llm-b", 30)
                .pod("gpu_utilization", "llm-c", 2).pod("gpu_utilization", "llm-d", 40);
        AutoscalerController c = controller(gpuPolicy("llm", ""));
        AutoscalerController.Outcome o = c.tick().get(0);
        assertEquals(2, k.replicas(NS, "llm"), "mean 19.25 % against 50 % over 4 replicas");
        assertEquals("down", o.direction());
        // an absent annotation is cost 0 for the ReplicaSet controller
        assertEquals("0", k.annotations(NS, "llm-b").getOrDefault(Workloads.DELETION_COST, "0"), "spot goes first");
        assertEquals("1", k.annotations(NS, "llm-c").get(Workloads.DELETION_COST), "then the idlest");
        assertEquals("2", k.annotations(NS, "llm-a").get(Workloads.DELETION_COST));
        assertEquals("3", k.annotations(NS, "llm-d").get(Workloads.DELETION_COST), "the busiest on-demand replica stays");
    }

    @Test
    void preemptionNoticeStartsReplacementsOnOtherCapacityOnce() {
        k.node("od-1", false, false);
        k.node("spot-2", true, true);
        k.deployment(NS, "llm", 3, 1);
        k.pod(NS, "llm", "llm-a", "od-1");
        k.pod(NS, "llm", "llm-b", "od-1");
        k.pod(NS, "llm", "llm-c", "spot-2");
        for (String p : List.of("llm-a", "llm-b", "llm-c")) signals.pod("gpu_utilization", p, 50);
        capacity.node("spot-2", 8, true).node("od-1", 1, false);
        AutoscalerController c = controller(gpuPolicy("llm", "  spot: {preference: Prefer, fallbackToOnDemand: true}\n"));
        AutoscalerController.Outcome o = c.tick().get(0);
        assertEquals(4, k.replicas(NS, "llm"), "one replacement for the replica on the preempted node");
        assertEquals(1, o.replacing());
        assertTrue(o.explain().contains("new on spot 0, on-demand 1"), "not on the node being reclaimed: " + o.explain());
        assertTrue(k.events(NS, "llm").stream().anyMatch(e -> e.startsWith("SpotPreemption: 1 replicas under preemption notice")),
                k.events(NS, "llm")::toString);

        // The replacement is starting; the notice still stands: no second replacement.
        k.pod(NS, "llm", "llm-d", "");
        k.advance(15);
        o = c.tick().get(0);
        assertEquals(4, k.replicas(NS, "llm"));
        assertEquals("none", o.direction());
        assertEquals(1, k.events(NS, "llm").stream().filter(e -> e.startsWith("SpotPreemption")).count());

        // The node is gone with its pod; the replacement serves: back to the count the load needs.
        k.deletePod(NS, "llm-c");
        k.deletePod(NS, "llm-d");
        k.pod(NS, "llm", "llm-d", "od-1");
        signals.pod("gpu_utilization", "llm-d", 50);
        k.advance(15);
        o = c.tick().get(0);
        assertEquals(3, k.replicas(NS, "llm"));
        assertEquals(0, o.replacing());
    }

    @Test
    void spotPreferenceFillsSpotFirstAndRequireNeverFallsBack() {
        twoBusyReplicas();
        capacity.node("od-1", 8, false).node("spot-1", 1, true);
        AutoscalerController prefer = controller(gpuPolicy("llm", "  spot: {preference: Prefer}\n"));
        AutoscalerController.Outcome o = prefer.tick().get(0);
        assertEquals(4, k.replicas(NS, "llm"));
        assertTrue(o.explain().contains("new on spot 1, on-demand 1"), o.explain());

        // a spot node under a preemption notice that hosts none of the target's pods takes nothing either
        k.node("spot-9", true, true);
        capacity.node("spot-9", 8, true);
        k.pod(NS, "llm", "llm-c", "od-1");
        k.pod(NS, "llm", "llm-d", "od-1");
        for (String p : List.of("llm-a", "llm-b", "llm-c", "llm-d")) signals.pod("gpu_utilization", p, 100);
        k.advance(15);
        o = prefer.tick().get(0);
        assertEquals(8, k.replicas(NS, "llm"));
        assertTrue(o.explain().contains("new on spot 1, on-demand 3"), "spot-9 is being reclaimed: " + o.explain());

        k.deployment(NS, "req", 2, 1);
        k.pod(NS, "req", "req-a", "od-1");
        k.pod(NS, "req", "req-b", "od-1");
        signals.pod("gpu_utilization", "req-a", 100).pod("gpu_utilization", "req-b", 100);
        AutoscalerController require = controller(gpuPolicy("req", "  spot: {preference: Require}\n"));
        o = require.tick().get(0);
        assertEquals(3, k.replicas(NS, "req"), "one spot GPU free; on-demand GPUs are not used");
        assertEquals(1, o.unplaceable());
    }

    @Test
    void failingDependenciesDegradeAndShowInMetrics() {
        twoBusyReplicas();
        k.deployment(NS, "gone", 1, 1);
        k.client.apps().deployments().inNamespace(NS).withName("gone").delete();
        capacity.fail(new IllegalStateException("scheduler down"));
        AutoscalerController c = controller(List.of(gpuPolicy("gone", ""), gpuPolicy("llm", "")), new Fabric8ScaleApi(k.client), false);
        List<AutoscalerController.Outcome> out = c.tick();
        assertEquals(1, out.size(), "the missing target is skipped, the other one decided");
        assertEquals(4, k.replicas(NS, "llm"), "free GPUs unknown: not capped");
        assertTrue(out.get(0).explain().contains("free GPUs unknown"), out.get(0).explain());
        assertEquals(1, metric("gpufleet_autoscaler_dependency_errors_total", Map.of("dependency", "capacity")));
        assertEquals(1, metric("gpufleet_autoscaler_dependency_errors_total", Map.of("dependency", "kubernetes")));

        // Metrics unreadable: HPA's invalid-metrics rule keeps the count, one FailedGetMetrics event.
        capacity.fail(null);
        capacity.node("od-1", 8, false);
        signals.fail = new IllegalStateException("prometheus down");
        k.advance(15);
        AutoscalerController.Outcome o = c.tick().get(0);
        assertEquals("none", o.direction());
        assertEquals(Optional.of(LimitRule.INVALID_METRICS), o.limitedBy());
        assertTrue(Double.isNaN(metric("gpufleet_autoscaler_metric_value", Map.of("policy", "llm", "metric", "gpu_utilization"))));
        assertEquals(1, k.events(NS, "llm").stream().filter(e -> e.startsWith("FailedGetMetrics")).count());
        k.advance(15);
        c.tick();
        assertEquals(1, k.events(NS, "llm").stream().filter(e -> e.startsWith("FailedGetMetrics")).count(), "once per outage");
    }

    @Test
    void aFailedScaleIsRetriedWithBackoffAndAppliedOnceWhenTheApiReturns() {
        twoBusyReplicas();
        capacity.node("od-1", 8, false);
        AtomicBoolean down = new AtomicBoolean(true);
        AtomicInteger writes = new AtomicInteger();
        Fabric8ScaleApi live = new Fabric8ScaleApi(k.client);
        ScaleApi flaky = new ScaleApi() {
            @Override public int replicas(String ns, TargetKind kind, String n) { return live.replicas(ns, kind, n); }
            @Override public void setReplicas(String ns, TargetKind kind, String n, int r) {
                if (down.get()) throw new IllegalStateException("connection refused");
                writes.incrementAndGet();
                live.setReplicas(ns, kind, n, r);
            }
        };
        AutoscalerController c = controller(List.of(gpuPolicy("llm", "")), flaky, false);
        AutoscalerController.Outcome o = c.tick().get(0);
        assertEquals(Optional.of(Actuator.Outcome.FAILED), o.outcome());
        assertEquals(2, k.replicas(NS, "llm"));
        assertEquals(1, metric("gpufleet_autoscaler_actuation_errors_total", Map.of("policy", "llm")));
        assertTrue(k.events(NS, "llm").stream().anyMatch(e -> e.startsWith("FailedRescale: New size: 4")), k.events(NS, "llm")::toString);

        // Within the backoff the same decision is not re-attempted.
        o = c.tick().get(0);
        assertEquals(Optional.of(Actuator.Outcome.PENDING), o.outcome());
        assertEquals(1, metric("gpufleet_autoscaler_actuation_errors_total", Map.of("policy", "llm")));

        down.set(false);
        k.advance(15);
        c.tick();
        assertEquals(4, k.replicas(NS, "llm"));
        assertEquals(1, writes.get(), "applied exactly once");
        assertTrue(k.events(NS, "llm").stream().anyMatch(e -> e.startsWith("SuccessfulRescale: New size: 4")
                && e.contains("written on retry")), k.events(NS, "llm")::toString);
        k.advance(15);
        c.tick();
        assertEquals(1, writes.get(), "nothing re-applied");
    }

    @Test
    void dryRunDecidesAndMeasuresButWritesNothing() {
        twoBusyReplicas();
        capacity.node("od-1", 8, false);
        AutoscalerController c = controller(List.of(gpuPolicy("llm", "")), new Fabric8ScaleApi(k.client), true);
        AutoscalerController.Outcome o = c.tick().get(0);
        assertEquals(Optional.of(Actuator.Outcome.DRY_RUN), o.outcome());
        assertEquals(2, k.replicas(NS, "llm"));
        assertTrue(k.events(NS, "llm").isEmpty());
        assertEquals(4, metric("gpufleet_autoscaler_desired_replicas", Map.of("policy", "llm")));
    }

    @Test
    void trainingRunsAfterServingAndIsToldWhatServingCouldNotPlace() {
        twoBusyReplicas();
        capacity.node("od-1", 1, false);
        ScalingPolicy train = KubeFixture.policy("""
                apiVersion: autoscaling.gpufleet.io/v1
                kind: ScalingPolicy
                metadata: {name: bert, namespace: research}
                spec:
                  targetRef: {kind: PyTorchJob, name: bert}
                  maxReplicas: 8
                  metrics:
                    - type: GpuUtilization
                      target: {type: Utilization, averageUtilization: 80}
                """);
        List<String> seen = new ArrayList<>();
        TrainingTargets training = (policy, free, gpusWanted) -> {
            seen.add(policy.name() + " free=" + free.orElseThrow().total() + " wanted=" + gpusWanted);
            return new TrainingTargets.Result(free, 0);
        };
        Actuator actuator = new Actuator(new Fabric8ScaleApi(k.client), k.clock, false, Duration.ofSeconds(1), Duration.ofSeconds(30));
        // listed first, run last
        AutoscalerController c = new AutoscalerController(List.of(train, gpuPolicy("llm", "")), new Fabric8Workloads(k.client), signals,
                actuator, Optional.of(capacity), new Fabric8DecisionEvents(k.client, k.clock), metrics, k.clock, Optional.of(training));
        c.tick();
        assertEquals(3, k.replicas(NS, "llm"));
        assertEquals(List.of("bert free=0 wanted=1"), seen, "serving took the free GPU and still wants one more");
        assertThrows(IllegalArgumentException.class, () -> new AutoscalerController(List.of(train),
                new Fabric8Workloads(k.client), signals, actuator, Optional.empty(), (p, w, r, m) -> { }, metrics, k.clock, Optional.empty()));
        assertThrows(IllegalArgumentException.class, () -> new AutoscalerController(
                List.of(gpuPolicy("llm", ""), gpuPolicy("llm", "")), new Fabric8Workloads(k.client), signals, actuator, Optional.empty(),
                (p, w, r, m) -> { }, metrics, k.clock, Optional.empty()), "two policies on one target");
    }

    @Test
    void metricNamesAndLabelsAreExactlyTheDocumentedOnes() {
        Map<String, List<String>> expected = Map.ofEntries(
                Map.entry("gpufleet_autoscaler_replicas", List.of("policy", "namespace", "target")),
                Map.entry("gpufleet_autoscaler_desired_replicas", List.of("policy", "namespace", "target")),
                Map.entry("gpufleet_autoscaler_decisions_total", List.of("policy", "direction")),
                Map.entry("gpufleet_autoscaler_limited_total", List.of("policy", "reason")),
                Map.entry("gpufleet_autoscaler_unplaceable_replicas", List.of("policy")),
                Map.entry("gpufleet_autoscaler_actuation_errors_total", List.of("policy")),
                Map.entry("gpufleet_autoscaler_metric_value", List.of("policy", "metric")),
                Map.entry("gpufleet_autoscaler_training_workers", List.of("policy", "job")),
                Map.entry("gpufleet_autoscaler_resizes_total", List.of("policy")),
                Map.entry("gpufleet_autoscaler_last_decision_timestamp_seconds", List.of("policy")),
                Map.entry("gpufleet_autoscaler_dependency_errors_total", List.of("dependency")));
        assertEquals(expected.keySet(), Set.copyOf(AutoscalerMetrics.NAMES));
        metrics.replicas.labelValues("p", "ns", "Deployment/d").set(1);
        metrics.desiredReplicas.labelValues("p", "ns", "Deployment/d").set(1);
        metrics.decisions.labelValues("p", "up").inc();
        metrics.limited.labelValues("p", "max_replicas").inc();
        metrics.unplaceable.labelValues("p").set(0);
        metrics.actuationErrors.labelValues("p").inc();
        metrics.metricValue.labelValues("p", "m").set(1);
        metrics.trainingWorkers.labelValues("p", "j").set(1);
        metrics.resizes.labelValues("p").inc();
        metrics.lastDecision.labelValues("p").set(1);
        metrics.dependencyError("signals");
        String text = metrics.scrape();
        for (Map.Entry<String, List<String>> e : expected.entrySet()) {
            String line = text.lines().filter(l -> l.startsWith(e.getKey() + "{")).findFirst()
                    .orElseThrow(() -> new AssertionError(e.getKey() + " missing:\n" + text));
            Set<String> labels = Arrays.stream(line.substring(line.indexOf('{') + 1, line.indexOf('}')).split(","))
                    .map(kv -> kv.substring(0, kv.indexOf('='))).collect(Collectors.toSet());
            assertEquals(Set.copyOf(e.getValue()), labels, e.getKey());
        }
        for (MetricSnapshot s : metrics.registry().scrape()) {
            assertTrue(s.getMetadata().getPrometheusName().startsWith("gpufleet_autoscaler_"), s.getMetadata().getPrometheusName());
        }
        assertFalse(text.isEmpty());
    }
}
