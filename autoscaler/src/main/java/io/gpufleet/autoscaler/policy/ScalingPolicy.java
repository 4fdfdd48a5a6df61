package io.gpufleet.autoscaler.policy;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One scaling policy: the {@code spec} of a {@code ScalingPolicy} object of API group
 * {@code autoscaling.gpufleet.io/v1}, read from a YAML file or from the CRD of the same schema.
 * Instances are only produced by {@link PolicyLoader}, which validates every field first.
 *
 * @param name            {@code metadata.name}
 * @param namespace       {@code metadata.namespace} ("default" when absent)
 * @param target          the workload scaled
 * @param minReplicas     lower bound; 0 only together with {@link #scaleToZero()}
 * @param maxReplicas     upper bound, at least 1 and at least {@code minReplicas}
 * @param metrics         at least one metric; the largest proposal wins, as in HPA
 * @param behavior        scale-up and scale-down rules with HPA's defaults filled in
 * @param schedules       cron windows that override min/max while active
 * @param scaleToZero     present when the target may idle at zero replicas
 * @param spot            spot/preemptible capacity preference
 * @param coldStartSeconds estimated seconds from replica request to serving
 * @param predictive      present when the daily shape learned from history raises the count ahead of time
 */
public record ScalingPolicy(
        String name,
        String namespace,
        TargetRef target,
        int minReplicas,
        int maxReplicas,
        List<MetricSpec> metrics,
        Behavior behavior,
        List<Schedule> schedules,
        Optional<ScaleToZero> scaleToZero,
        Spot spot,
        int coldStartSeconds,
        Optional<Predictive> predictive) {

    /** API version of the YAML documents and of the CRD. */
    public static final String API_VERSION = "autoscaling.gpufleet.io/v1";
    /** Kind of the YAML documents and of the CRD. */
    public static final String KIND = "ScalingPolicy";

    public ScalingPolicy {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(target, "target");
        metrics = List.copyOf(metrics);
        schedules = List.copyOf(schedules);
        Objects.requireNonNull(behavior, "behavior");
        Objects.requireNonNull(scaleToZero, "scaleToZero");
        Objects.requireNonNull(spot, "spot");
        Objects.requireNonNull(predictive, "predictive");
    }

    /** A policy without the predictive option. */
    public ScalingPolicy(String name, String namespace, TargetRef target, int minReplicas, int maxReplicas,
                         List<MetricSpec> metrics, Behavior behavior, List<Schedule> schedules,
                         Optional<ScaleToZero> scaleToZero, Spot spot, int coldStartSeconds) {
        this(name, namespace, target, minReplicas, maxReplicas, metrics, behavior, schedules, scaleToZero, spot,
                coldStartSeconds, Optional.empty());
    }

    /** Kinds of workload a policy may scale. */
    public enum TargetKind {
        /** apps/v1 Deployment, through the scale subresource. */
        Deployment,
        /** apps/v1 StatefulSet, through the scale subresource. */
        StatefulSet,
        /** Kubeflow PyTorchJob with an elasticPolicy, patched. */
        PyTorchJob,
        /** gpufleet's own elastic training job. */
        TrainingJob
    }

    /** The scaled object. */
    public record TargetRef(String apiVersion, TargetKind kind, String name) {
        /** True for elastic training targets (resized as a gang, not through the scale subresource). */
        public boolean isTraining() {
            return kind == TargetKind.PyTorchJob || kind == TargetKind.TrainingJob;
        }
    }

    /** Where a metric's value comes from. */
    public enum MetricSource {
        /** GPU utilization (0..100 %) averaged over the target's replicas. */
        GpuUtilization,
        /** GPU memory used, per replica (percent of the GPU's memory, or bytes). */
        GpuMemory,
        /** A workload signal computed by stream-analytics (topic gpufleet.signals), by name. */
        Signal,
        /** Any Prometheus instant query. */
        Prometheus
    }

    /** How a metric's target is expressed, as in HPA's MetricTarget. */
    public enum TargetType {
        /** Percent average over replicas (resource-style metrics). */
        Utilization,
        /** Value per replica: total divided by replicas. */
        AverageValue,
        /** Total value compared with the target directly. */
        Value
    }

    /**
     * One metric and its target.
     *
     * @param source     where the value comes from
     * @param name       signal name or Prometheus query; the source name for GPU metrics
     * @param targetType how {@code target} is read
     * @param target     the target value (percent for Utilization)
     */
    public record MetricSpec(MetricSource source, String name, TargetType targetType, double target) {}

    /** Pods: add/remove a fixed count per period; Percent: a share of the count at the period's start. */
    public enum RuleType { Pods, Percent }

    /** How several rules of one direction combine, as HPA's selectPolicy. */
    public enum SelectPolicy { Max, Min, Disabled }

    /** One HPA scaling policy (rate limit). */
    public record Rule(RuleType type, int value, int periodSeconds) {}

    /** One direction's rules. */
    public record ScalingRules(int stabilizationWindowSeconds, SelectPolicy selectPolicy,
                               List<Rule> policies, double tolerance) {
        public ScalingRules {
            policies = List.copyOf(policies);
        }
    }

    /** Both directions. */
    public record Behavior(ScalingRules scaleUp, ScalingRules scaleDown) {
        /** HPA's documented defaults (autoscaling/v2). */
        public static Behavior defaults() {
            return new Behavior(defaultScaleUp(), defaultScaleDown());
        }

        /** Scale up: no stabilization, the larger of +4 pods or +100 % per 15 s. */
        public static ScalingRules defaultScaleUp() {
            return new ScalingRules(0, SelectPolicy.Max,
                    List.of(new Rule(RuleType.Pods, 4, 15), new Rule(RuleType.Percent, 100, 15)), 0.1);
        }

        /** Scale down: 300 s stabilization, up to 100 % per 15 s. */
        public static ScalingRules defaultScaleDown() {
            return new ScalingRules(300, SelectPolicy.Max,
                    List.of(new Rule(RuleType.Percent, 100, 15)), 0.1);
        }
    }

    /**
     * A cron window ("timed elasticity"): from each firing of {@code cron} for {@code durationSeconds},
     * min and/or max replicas are replaced.
     */
    public record Schedule(String name, String cron, String timeZone, long durationSeconds,
                           Optional<Integer> minReplicas, Optional<Integer> maxReplicas) {}

    /**
     * Scale to zero: with no activity for {@code idlePeriodSeconds} the target goes to zero; from zero
     * it wakes when the first metric exceeds {@code activationThreshold}.
     */
    public record ScaleToZero(double activationThreshold, int idlePeriodSeconds) {}

    /** Preference for spot/preemptible capacity. */
    public enum SpotPreference { Never, Prefer, Require }

    /**
     * Spot capacity.
     *
     * @param preference               whether replicas go to spot nodes
     * @param fallbackToOnDemand       use on-demand capacity when no spot capacity is free
     * @param preemptionNoticeSeconds  how early a preemption notice arrives (replacements start then)
     */
    public record Spot(SpotPreference preference, boolean fallbackToOnDemand, int preemptionNoticeSeconds) {
        /** On-demand only. */
        public static Spot none() {
            return new Spot(SpotPreference.Never, true, 0);
        }
    }

    /**
     * Predictive scaling from the daily shape: the replicas the metrics asked for are kept per 10-minute slot of
     * the day (the slot's peak), and the count is raised to the median, over the last {@code historyDays} days,
     * of the slot one cold start ahead, times {@code headroom}.
     *
     * @param historyDays    days of history kept
     * @param minHistoryDays days with data for the slot before it is used
     * @param headroom       factor on the predicted replicas
     * @param timeZone       the zone whose days the shape follows (IANA name)
     */
    public record Predictive(int historyDays, int minHistoryDays, double headroom, String timeZone) {}
}
