package io.gpufleet.autoscaler.policy;

import io.gpufleet.autoscaler.policy.ScalingPolicy.MetricSource;
import io.gpufleet.autoscaler.policy.ScalingPolicy.RuleType;
import io.gpufleet.autoscaler.policy.ScalingPolicy.SelectPolicy;
import io.gpufleet.autoscaler.policy.ScalingPolicy.SpotPreference;
import io.gpufleet.autoscaler.policy.ScalingPolicy.TargetKind;
import io.gpufleet.autoscaler.policy.ScalingPolicy.TargetType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PolicyLoaderTest {
    static final String FULL = """
            apiVersion: autoscaling.gpufleet.io/v1
            kind: ScalingPolicy
            metadata:
              name: llm-serving
              namespace: inference
            spec:
              targetRef: {kind: Deployment, name: llm}
              minReplicas: 0
              maxReplicas: 40
              metrics:
                - type: GpuUtilization
                  target: {type: Utilization, averageUtilization: 70}
                - type: Prometheus
                  prometheus: {query: 'sum(rate(requests_total[1m]))'}
                  target: {type: AverageValue, averageValue: "7"}
                - type: Signal
                  signal: {name: queue_length}
                  target: {type: Value, value: 500m}
              behavior:
                scaleDown:
                  stabilizationWindowSeconds: 120
                  selectPolicy: Min
                  policies:
                    - {type: Pods, value: 2, periodSeconds: 60}
                    - {type: Percent, value: 10, periodSeconds: 60}
              schedules:
                - name: evening-peak
                  cron: "0 0 18 * * MON-FRI"
                  timeZone: Europe/Paris
                  duration: 4h
                  minReplicas: 10
              scaleToZero: {activationThreshold: 0.5, idlePeriodSeconds: 900}
              spot: {preference: Prefer, fallbackToOnDemand: true, preemptionNoticeSeconds: 120}
              coldStartSeconds: 120
            """;

    @Test
    void readsEveryFieldAndFillsHpaDefaults() {
        PolicyLoadResult r = PolicyLoader.load("full.yaml", FULL);
        assertTrue(r.ok(), () -> r.errors().toString());
        ScalingPolicy p = r.policies().get(0);
        assertEquals("llm-serving", p.name());
        assertEquals("inference", p.namespace());
        assertEquals(TargetKind.Deployment, p.target().kind());
        assertEquals("apps/v1", p.target().apiVersion());
        assertEquals(0, p.minReplicas());
        assertEquals(40, p.maxReplicas());
        assertEquals(3, p.metrics().size());
        assertEquals(MetricSource.Prometheus, p.metrics().get(1).source());
        assertEquals("sum(rate(requests_total[1m]))", p.metrics().get(1).name());
        assertEquals(7.0, p.metrics().get(1).target());
        assertEquals(TargetType.Value, p.metrics().get(2).targetType());
        assertEquals(0.5, p.metrics().get(2).target(), 1e-12);
        // scaleUp absent: HPA default; scaleDown given: as written, tolerance defaulted
        assertEquals(ScalingPolicy.Behavior.defaultScaleUp(), p.behavior().scaleUp());
        assertEquals(120, p.behavior().scaleDown().stabilizationWindowSeconds());
        assertEquals(SelectPolicy.Min, p.behavior().scaleDown().selectPolicy());
        assertEquals(RuleType.Pods, p.behavior().scaleDown().policies().get(0).type());
        assertEquals(0.1, p.behavior().scaleDown().tolerance());
        assertEquals(4 * 3600, p.schedules().get(0).durationSeconds());
        assertEquals(10, p.schedules().get(0).minReplicas().orElseThrow());
        assertTrue(p.schedules().get(0).maxReplicas().isEmpty());
        assertEquals(900, p.scaleToZero().orElseThrow().idlePeriodSeconds());
        assertEquals(SpotPreference.Prefer, p.spot().preference());
        assertEquals(120, p.spot().preemptionNoticeSeconds());
    }

    @Test
    void minimalPolicyGetsDefaults() {
        PolicyLoadResult r = PolicyLoader.load("min.yaml", """
                apiVersion: autoscaling.gpufleet.io/v1
                kind: ScalingPolicy
                metadata: {name: trainer}
                spec:
                  targetRef: {kind: PyTorchJob, name: bert}
                  maxReplicas: 8
                  metrics: [{type: GpuUtilization, target: {type: Utilization, averageUtilization: 80}}]
                """);
        assertTrue(r.ok(), () -> r.errors().toString());
        ScalingPolicy p = r.policies().get(0);
        assertEquals(1, p.minReplicas());
        assertEquals("default", p.namespace());
        assertEquals("kubeflow.org/v1", p.target().apiVersion());
        assertTrue(p.target().isTraining());
        assertEquals(ScalingPolicy.Behavior.defaults(), p.behavior());
        assertEquals(300, p.behavior().scaleDown().stabilizationWindowSeconds());
        assertEquals(SpotPreference.Never, p.spot().preference());
        assertEquals(120, p.coldStartSeconds());
    }

    @Test
    void predictiveOptionIsValidated() {
        String base = """
                apiVersion: autoscaling.gpufleet.io/v1
                kind: ScalingPolicy
                metadata: {name: chat}
                spec:
                  targetRef: {kind: Deployment, name: chat}
                  maxReplicas: 4
                  metrics:
                    - type: GpuUtilization
                      target: {type: Utilization, averageUtilization: 60}
                """;
        PolicyLoadResult ok = PolicyLoader.load("ok.yaml", base + "  predictive: {headroom: 1.2, timeZone: Asia/Tokyo}\n");
        assertTrue(ok.ok(), () -> ok.errors().toString());
        assertEquals(new ScalingPolicy.Predictive(7, 2, 1.2, "Asia/Tokyo"), ok.policies().get(0).predictive().orElseThrow());
        assertTrue(PolicyLoader.load("none.yaml", base).policies().get(0).predictive().isEmpty());
        PolicyLoadResult bad = PolicyLoader.load("bad.yaml", base
                + "  predictive: {historyDays: 3, minHistoryDays: 5, headroom: 0, timeZone: Mars/Olympus, lookahead: 5}\n");
        List<String> paths = bad.errors().stream().map(PolicyError::path).toList();
        for (String expected : List.of("spec.predictive.headroom", "spec.predictive.timeZone", "spec.predictive.lookahead")) {
            assertTrue(paths.contains(expected), () -> "missing error at " + expected + " in " + bad.errors());
        }
        PolicyLoadResult order = PolicyLoader.load("order.yaml", base + "  predictive: {historyDays: 3, minHistoryDays: 5}\n");
        assertEquals(List.of("spec.predictive.minHistoryDays"), order.errors().stream().map(PolicyError::path).toList());
    }

    @Test
    void reportsEveryErrorWithFileAndPath() {
        PolicyLoadResult r = PolicyLoader.load("bad.yaml", """
                apiVersion: autoscaling.gpufleet.io/v2
                kind: ScalingPolicy
                metadata: {name: Bad_Name}
                spec:
                  targetRef: {kind: ReplicaSet, name: x}
                  minReplicas: 5
                  maxReplicas: 3
                  replicas: 4
                  metrics:
                    - type: Prometheus
                      target: {type: AverageValue, averageValue: -1}
                    - type: GpuUtilization
                      target: {type: Utilization, averageUtilization: 150, value: 3}
                  behavior:
                    scaleUp:
                      stabilizationWindowSeconds: 7200
                      selectPolicy: Largest
                      policies: [{type: Pods, value: 0, periodSeconds: 15}]
                  schedules:
                    - name: peak
                      cron: "0 0 25 * * *"
                      timeZone: Mars/Olympus
                      duration: soon
                      minReplicas: 2
                """);
        assertFalse(r.ok());
        assertTrue(r.policies().isEmpty(), "a file with errors yields no policy");
        List<String> paths = r.errors().stream().map(PolicyError::path).toList();
        for (String expected : List.of("apiVersion", "metadata.name", "spec.targetRef.kind", "spec.minReplicas",
                "spec.replicas", "spec.metrics[0].prometheus", "spec.metrics[0].target.averageValue",
                "spec.metrics[1].target.averageUtilization", "spec.metrics[1].target.value",
                "spec.behavior.scaleUp.stabilizationWindowSeconds", "spec.behavior.scaleUp.selectPolicy",
                "spec.behavior.scaleUp.policies[0].value", "spec.schedules[0].cron",
                "spec.schedules[0].timeZone", "spec.schedules[0].duration")) {
            assertTrue(paths.contains(expected), () -> "missing error at " + expected + " in " + r.errors());
        }
        assertTrue(r.errors().stream().allMatch(e -> e.file().equals("bad.yaml")));
        PolicyError hour = r.errors().stream().filter(e -> e.path().equals("spec.schedules[0].cron")).findFirst().orElseThrow();
        assertTrue(hour.reason().contains("hour"), hour.reason());
        PolicyError unknown = r.errors().stream().filter(e -> e.path().equals("spec.replicas")).findFirst().orElseThrow();
        assertTrue(unknown.reason().contains("unknown field"), unknown.reason());
    }

    @Test
    void zeroMinNeedsScaleToZeroAndMissingFieldsAreNamed() {
        PolicyLoadResult r = PolicyLoader.load("z.yaml", """
                apiVersion: autoscaling.gpufleet.io/v1
                kind: ScalingPolicy
                metadata: {name: z}
                spec:
                  minReplicas: 0
                  metrics: []
                """);
        List<String> paths = r.errors().stream().map(PolicyError::path).toList();
        assertTrue(paths.containsAll(List.of("spec.targetRef", "spec.maxReplicas", "spec.metrics", "spec.minReplicas")), paths::toString);
    }

    @Test
    void invalidYamlAndMultiDocumentPaths() {
        PolicyLoadResult syntax = PolicyLoader.load("s.yaml", "spec: [unclosed");
        assertEquals(1, syntax.errors().size());
        assertTrue(syntax.errors().get(0).reason().startsWith("invalid YAML"));

        String second = FULL.replace("llm-serving", "other").replace("maxReplicas: 40", "maxReplicas: many");
        PolicyLoadResult multi = PolicyLoader.load("m.yaml", FULL + "---\n" + second);
        assertEquals(List.of("[1].spec.maxReplicas"), multi.errors().stream().map(PolicyError::path).toList());
        assertTrue(PolicyLoader.load("ok.yaml", FULL + "---\n" + FULL.replace("llm-serving", "other")).policies().size() == 2);
    }

    @Test
    void directoryLoadIsAllOrNothing(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("a.yaml"), FULL);
        Files.writeString(dir.resolve("b.yml"), FULL.replace("llm-serving", "second"));
        assertEquals(2, PolicyLoader.loadDirectory(dir).policies().size());
        Files.writeString(dir.resolve("c.yaml"), FULL.replace("llm-serving", "third").replace("averageUtilization: 70", "averageUtilization: 0"));
        PolicyLoadResult r = PolicyLoader.loadDirectory(dir);
        assertTrue(r.policies().isEmpty());
        assertEquals(dir.resolve("c.yaml").toString(), r.errors().get(0).file());
        assertEquals("spec.metrics[0].target.averageUtilization", r.errors().get(0).path());
        Files.writeString(dir.resolve("c.yaml"), FULL);
        assertTrue(PolicyLoader.loadDirectory(dir).errors().get(0).reason().contains("duplicate"));
    }

    @Test
    void durationsAndQuantities() {
        assertEquals(9000, PolicyLoader.parseDurationSeconds("2h30m"));
        assertEquals(90, PolicyLoader.parseDurationSeconds("90s"));
        assertEquals(7200, PolicyLoader.parseDurationSeconds("PT2H"));
        assertEquals(-1, PolicyLoader.parseDurationSeconds("2 days"));
        assertEquals(0.25, PolicyLoader.parseQuantity("250m"), 1e-12);
        assertEquals(2.0 * 1024 * 1024 * 1024, PolicyLoader.parseQuantity("2Gi"));
        assertTrue(Double.isNaN(PolicyLoader.parseQuantity("lots")));
    }
}
