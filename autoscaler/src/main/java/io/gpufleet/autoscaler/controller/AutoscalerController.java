package io.gpufleet.autoscaler.controller;

import io.gpufleet.autoscaler.actuate.Actuator;
import io.gpufleet.autoscaler.actuate.ScaleAction;
import io.gpufleet.autoscaler.control.PolicyScaler;
import io.gpufleet.autoscaler.control.ScalingDecision;
import io.gpufleet.autoscaler.hpa.MetricInput;
import io.gpufleet.autoscaler.hpa.PodStatus;
import io.gpufleet.autoscaler.policy.ScalingPolicy;
import io.gpufleet.autoscaler.policy.ScalingPolicy.MetricSource;
import io.gpufleet.autoscaler.policy.ScalingPolicy.MetricSpec;
import io.gpufleet.autoscaler.policy.ScalingPolicy.TargetKind;
import io.gpufleet.autoscaler.policy.ScalingPolicy.TargetType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs the loaded policies continuously: each {@link #tick()} reads every target and its metrics, lets the
 * policy decide (cron windows, HPA, scale to zero), caps scale-ups at the replicas free GPUs can hold, adds
 * replacements for replicas under a preemption notice, orders a scale-down (pod deletion cost), acts through
 * the {@link Actuator}, and explains the decision in one log line, a Kubernetes Event and the metrics of
 * {@link AutoscalerMetrics}. Elastic training targets go to the {@link TrainingTargets} given, if any.
 *
 * <p>I/O comes in through interfaces ({@link Workloads}, {@link SignalSource}, {@link GpuCapacity},
 * {@link DecisionEvents}, the actuator's ScaleApi) and time through the clock, so a test drives it pass by
 * pass. A failing dependency degrades one policy or one check, is counted in
 * {@code gpufleet_autoscaler_dependency_errors_total}, and the next pass tries again.
 */
public final class AutoscalerController implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AutoscalerController.class);

    /**
     * What one pass decided for one policy.
     *
     * @param policy       policy name
     * @param current      spec replicas read
     * @param desired      replicas set (or that would be, in dry-run)
     * @param direction    up, down or none
     * @param limitedBy    the rule that limited the recommendation, if any
     * @param unplaceable  replicas wanted but not placeable
     * @param replacing    replicas under a preemption notice being replaced
     * @param outcome      what the actuator did (empty when nothing had to be written)
     * @param explain      the log line
     */
    public record Outcome(String policy, int current, int desired, String direction, Optional<String> limitedBy,
                          int unplaceable, int replacing, Optional<Actuator.Outcome> outcome, String explain) {}

    private final List<Target> targets = new ArrayList<>();
    private final Workloads workloads;
    private final SignalSource signals;
    private final Actuator actuator;
    private final Optional<GpuCapacity> capacity;
    private final DecisionEvents events;
    private final AutoscalerMetrics metrics;
    private final Clock clock;
    private final Optional<TrainingTargets> training;
    private ScheduledExecutorService loop;

    /** Per policy: the scaler and what the controller remembers between passes. */
    private static final class Target {
        final ScalingPolicy policy;
        final PolicyScaler scaler;
        /** replacements for preempted replicas included in the spec last written */
        int surge;
        int lastUnplaceable;
        boolean metricsFailing;

        Target(ScalingPolicy policy, Clock clock) {
            this.policy = policy;
            this.scaler = new PolicyScaler(policy, clock);
        }

        String key() {
            return policy.namespace() + "/" + policy.target().kind() + "/" + policy.target().name();
        }
    }

    public AutoscalerController(List<ScalingPolicy> policies, Workloads workloads, SignalSource signals,
                                Actuator actuator, Optional<GpuCapacity> capacity, DecisionEvents events,
                                AutoscalerMetrics metrics, Clock clock, Optional<TrainingTargets> training) {
        this.workloads = workloads;
        this.signals = signals;
        this.actuator = actuator;
        this.capacity = capacity;
        this.events = events;
        this.metrics = metrics;
        this.clock = clock;
        this.training = training;
        Set<String> seen = new HashSet<>();
        for (ScalingPolicy p : policies) {
            Target t = new Target(p, clock);
            if (!seen.add(t.key())) {
                throw new IllegalArgumentException("policy " + p.namespace() + "/" + p.name() + ": target "
                        + t.key() + " is already scaled by another policy");
            }
            if (p.target().isTraining() && training.isEmpty()) {
                throw new IllegalArgumentException("policy " + p.namespace() + "/" + p.name() + ": target kind "
                        + p.target().kind() + " needs the training resizer");
            }
            targets.add(t);
            // Known policies' error and resize counters exist from the start at 0, so rate() and increase() over
            // them return a series (0) instead of nothing until the first failure or resize.
            metrics.actuationErrors.labelValues(p.name());
            if (p.target().isTraining()) metrics.resizes.labelValues(p.name());
        }
    }

    /** Entry for the {@code fleet} command tree; see {@link ControllerConfig} for the options. */
    public static int run(String[] args, PrintStream out) {
        return ControllerMain.run(args, out);
    }

    /** One pass over every policy. */
    public synchronized List<Outcome> tick() {
        // Retries of earlier failed writes first (their backoff decides whether this pass tries again).
        Map<String, Actuator.Attempt> retried = actuator.flush();
        for (Target t : targets) {
            Actuator.Attempt a = retried.get(t.key());
            if (a == null) continue;
            if (!a.ok()) {
                metrics.actuationErrors.labelValues(t.policy.name()).inc();
            } else if (mayWriteEvents()) {
                event(t.policy, false, DecisionEvents.SUCCESSFUL_RESCALE, "New size: " + a.action().replicas()
                        + "; reason: " + a.action().reason() + " (written on retry after a failed write)");
            }
        }
        Optional<FreeGpus> free = Optional.empty();
        try {
            // Without a capacity source (no scheduler) free GPUs are unknown and nothing is capped.
            if (capacity.isPresent()) free = Optional.of(capacity.get().snapshot());
        } catch (RuntimeException e) {
            metrics.dependencyError("capacity");
            LOG.warn("free GPUs unknown this pass, scale-ups are not capped: {}", e.toString());
            free = Optional.empty();
        }
        if (free.isPresent()) {
            try {
                Set<String> reclaimed = workloads.preemptingNodes();
                free = Optional.of(free.get().without(reclaimed));
            } catch (RuntimeException e) {
                // Nodes of the targets' own preempted pods are still excluded per policy.
                metrics.dependencyError("kubernetes");
                LOG.warn("nodes under preemption notice unknown this pass: {}", e.toString());
            }
        }
        List<Outcome> out = new ArrayList<>();
        int gpusWanted = 0;
        for (Target t : targets) {
            if (t.policy.target().isTraining()) continue;
            try {
                Step s = sync(t, free);
                if (s != null) {
                    out.add(s.outcome());
                    free = s.remaining();
                    gpusWanted += s.unplaceableGpus();
                }
            } catch (RuntimeException e) {
                // One target's failure must not stop the others.
                metrics.dependencyError("kubernetes");
                LOG.warn("policy {}/{}: pass failed: {}", t.policy.namespace(), t.policy.name(), e.toString());
            }
        }
        // Training after inference: serving is the higher-priority work that may reclaim training's GPUs.
        for (Target t : targets) {
            if (!t.policy.target().isTraining()) continue;
            try {
                TrainingTargets.Result r = training.orElseThrow().sync(t.policy, free, gpusWanted);
                free = r.remaining();
                gpusWanted = Math.max(0, gpusWanted - r.gpusReleased());
            } catch (RuntimeException e) {
                metrics.dependencyError("kubernetes");
                LOG.warn("policy {}/{}: pass failed: {}", t.policy.namespace(), t.policy.name(), e.toString());
            }
        }
        return out;
    }

    /** A policy's outcome and the free GPUs it leaves to the next. */
    private record Step(Outcome outcome, Optional<FreeGpus> remaining, int unplaceableGpus) {}

    /** One policy's pass; null when its target could not be read. */
    private Step sync(Target t, Optional<FreeGpus> free) {
        ScalingPolicy p = t.policy;
        TargetState st;
        try {
            st = workloads.observe(p);
        } catch (RuntimeException e) {
            metrics.dependencyError("kubernetes");
            LOG.warn("policy {}/{}: cannot read {} {}: {}", p.namespace(), p.name(), p.target().kind(), p.target().name(), e.toString());
            return null;
        }
        List<String> podNames = st.pods().stream().map(TargetState.Replica::name).toList();
        Map<String, Double> gpuUtil = new LinkedHashMap<>();
        List<MetricInput> inputs = readMetrics(t, podNames, gpuUtil);

        List<TargetState.Replica> doomed = st.preempting();
        int hpaCurrent = Math.max(0, st.replicas() - Math.min(t.surge, st.replicas()));
        ScalingDecision d = t.scaler.decide(hpaCurrent, inputs, st.podStatuses());
        int replacements = doomed.size();
        int wanted = d.desired() + replacements;
        int waiting = (int) st.pods().stream().filter(r -> !r.status().deleted()
                && r.status().phase() == PodStatus.Phase.Pending && r.node().isEmpty()).count();
        Set<String> excluded = new HashSet<>();
        for (TargetState.Replica r : doomed) excluded.add(r.node());
        CapacityPlan plan = CapacityPlan.of(st.replicas(), wanted, waiting, st.gpusPerReplica(), p.spot(), free, excluded);
        int desired = plan.desired();
        Optional<String> limitedBy = plan.limited() ? Optional.of(LimitRule.GPU_CAPACITY) : LimitRule.of(p, d);

        if (desired < st.replicas() && p.target().kind() == TargetKind.Deployment) orderScaleDown(t, st, gpuUtil);

        Optional<Actuator.Outcome> acted = Optional.empty();
        ScaleAction action = new ScaleAction(p.namespace(), p.target().kind(), p.target().name(), desired, d.rule());
        if (desired != st.replicas() || actuator.hasPending(action.target())) {
            acted = Optional.of(actuator.submit(action));
        }
        boolean ok = acted.isEmpty() || acted.get() == Actuator.Outcome.APPLIED;
        t.scaler.applied(ok);
        int surgeBefore = t.surge;
        if (ok) t.surge = Math.max(0, Math.min(replacements, desired - d.desired()));

        String direction = desired > st.replicas() ? "up" : desired < st.replicas() ? "down" : "none";
        String explain = String.format(Locale.ROOT,
                "policy %s/%s %s/%s: %d -> %d (%s)%s; policy %s%s%s%s",
                p.namespace(), p.name(), p.target().kind(), p.target().name(), st.replicas(), desired, direction,
                limitedBy.map(r -> " limited by " + r).orElse(""),
                d.explain(),
                replacements > 0 ? String.format(Locale.ROOT, "; replacing %d replicas under preemption notice on %s", replacements, excluded) : "",
                free.isEmpty() ? "; free GPUs unknown"
                        : plan.unplaceable() > 0 || plan.limited() || desired > st.replicas()
                        ? String.format(Locale.ROOT, "; GPUs: %d per replica, new on spot %d, on-demand %d, unplaceable %d",
                        st.gpusPerReplica(), plan.onSpot(), plan.onDemand(), plan.unplaceable()) : "",
                acted.map(a -> "; " + a.name().toLowerCase(Locale.ROOT)).orElse(""));
        LOG.info(explain);
        record(t, st, desired, direction, limitedBy, plan, acted);
        explainInEvents(t, st, desired, d, plan, t.surge > surgeBefore ? t.surge : 0, acted);
        t.lastUnplaceable = plan.unplaceable();
        return new Step(new Outcome(p.name(), st.replicas(), desired, direction, limitedBy, plan.unplaceable(),
                replacements, acted, explain), plan.remaining(), plan.unplaceable() * st.gpusPerReplica());
    }

    private List<MetricInput> readMetrics(Target t, List<String> pods, Map<String, Double> gpuUtil) {
        ScalingPolicy p = t.policy;
        List<MetricInput> out = new ArrayList<>();
        boolean failed = false;
        for (MetricSpec m : p.metrics()) {
            String label = metricLabel(m);
            boolean perPod = (m.source() == MetricSource.GpuUtilization || m.source() == MetricSource.GpuMemory)
                    && m.targetType() != TargetType.Value;
            if (perPod) {
                Map<String, Double> values;
                try {
                    values = signals.perReplica(p, m, pods);
                } catch (RuntimeException e) {
                    failed = true;
                    metrics.dependencyError("signals");
                    LOG.warn("policy {}/{}: metric {} unreadable: {}", p.namespace(), p.name(), label, e.toString());
                    values = Map.of();
                }
                if (m.source() == MetricSource.GpuUtilization) gpuUtil.putAll(values);
                metrics.metricValue.labelValues(p.name(), label).set(values.isEmpty() ? Double.NaN
                        : values.values().stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN));
                out.add(new MetricInput.PerPod(label, m.targetType(), m.target(), values));
            } else {
                OptionalDouble v;
                try {
                    v = signals.total(p, m);
                } catch (RuntimeException e) {
                    failed = true;
                    metrics.dependencyError("signals");
                    LOG.warn("policy {}/{}: metric {} unreadable: {}", p.namespace(), p.name(), label, e.toString());
                    v = OptionalDouble.empty();
                }
                metrics.metricValue.labelValues(p.name(), label).set(v.orElse(Double.NaN));
                out.add(new MetricInput.Total(label, m.targetType(), m.target(), v));
            }
        }
        if (failed && !t.metricsFailing && mayWriteEvents()) {
            event(t.policy, true, DecisionEvents.FAILED_GET_METRICS, "some metrics could not be read; HPA's missing-metric rules apply");
        }
        t.metricsFailing = failed;
        return out;
    }

    /** The {@code metric} label: the GPU metric's kind, the signal's name, or the Prometheus query. */
    static String metricLabel(MetricSpec m) {
        return switch (m.source()) {
            case GpuUtilization -> "gpu_utilization";
            case GpuMemory -> "gpu_memory";
            case Signal, Prometheus -> m.name();
        };
    }

    private void orderScaleDown(Target t, TargetState st, Map<String, Double> gpuUtil) {
        if (actuator.dryRun() || !actuator.mayAct()) return;
        Map<String, Integer> costs = DeletionOrder.costs(st.pods(), gpuUtil);
        for (TargetState.Replica r : st.pods()) {
            Integer c = costs.get(r.name());
            if (c == null || c == r.deletionCost()) continue;
            try {
                workloads.setDeletionCost(t.policy.namespace(), r.name(), c);
            } catch (RuntimeException e) {
                // The ReplicaSet then picks by its own rules; the scale-down still happens.
                metrics.actuationErrors.labelValues(t.policy.name()).inc();
                LOG.warn("policy {}/{}: deletion cost of pod {} not set: {}", t.policy.namespace(), t.policy.name(), r.name(), e.toString());
            }
        }
    }

    private boolean mayWriteEvents() {
        return !actuator.dryRun() && actuator.mayAct();
    }

    private void explainInEvents(Target t, TargetState st, int desired, ScalingDecision d, CapacityPlan plan,
                                 int newReplacements, Optional<Actuator.Outcome> acted) {
        if (!mayWriteEvents()) return;
        ScalingPolicy p = t.policy;
        String why = d.rule() + (d.hpa().isPresent() ? ": " + d.hpa().get().explain() : ": " + d.explain());
        if (acted.isPresent() && acted.get() == Actuator.Outcome.APPLIED && desired != st.replicas()) {
            event(p, false, DecisionEvents.SUCCESSFUL_RESCALE, "New size: " + desired + "; reason: " + why);
        } else if (acted.isPresent() && acted.get() == Actuator.Outcome.FAILED) {
            event(p, true, DecisionEvents.FAILED_RESCALE, "New size: " + desired + "; reason: " + why + "; the write failed and is retried");
        }
        if (plan.unplaceable() > 0 && plan.unplaceable() != t.lastUnplaceable) {
            event(p, true, DecisionEvents.REPLICAS_UNPLACEABLE, String.format(Locale.ROOT,
                    "%d replicas of %d GPUs wanted but not placeable on free GPUs; not created (wanted %d, set %d)",
                    plan.unplaceable(), st.gpusPerReplica(), plan.wanted(), desired));
        }
        if (newReplacements > 0) {
            event(p, false, DecisionEvents.SPOT_PREEMPTION, String.format(Locale.ROOT,
                    "%d replicas under preemption notice; %d replacements requested on other capacity",
                    st.preempting().size(), newReplacements));
        }
    }

    private void event(ScalingPolicy p, boolean warning, String reason, String message) {
        events.recordOrCount(p, warning, reason, message, metrics);
    }

    private void record(Target t, TargetState st, int desired, String direction, Optional<String> limitedBy,
                        CapacityPlan plan, Optional<Actuator.Outcome> acted) {
        ScalingPolicy p = t.policy;
        String target = p.target().kind() + "/" + p.target().name();
        metrics.replicas.labelValues(p.name(), p.namespace(), target).set(st.replicas());
        metrics.desiredReplicas.labelValues(p.name(), p.namespace(), target).set(desired);
        metrics.decisions.labelValues(p.name(), direction).inc();
        limitedBy.ifPresent(r -> metrics.limited.labelValues(p.name(), r).inc());
        metrics.unplaceable.labelValues(p.name()).set(plan.unplaceable());
        if (acted.isPresent() && acted.get() == Actuator.Outcome.FAILED) metrics.actuationErrors.labelValues(p.name()).inc();
        metrics.lastDecision.labelValues(p.name()).set(clock.millis() / 1000.0);
    }

    /** Runs {@link #tick()} every {@code period} on a daemon thread until {@link #stop()}. */
    public synchronized void start(Duration period) {
        if (loop != null) throw new IllegalStateException("already started");
        if (period.isNegative() || period.isZero()) throw new IllegalArgumentException("period: must be > 0, got " + period);
        loop = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread th = new Thread(r, "gpufleet-autoscaler");
            th.setDaemon(true);
            return th;
        });
        loop.scheduleWithFixedDelay(() -> {
            try {
                tick();
            } catch (RuntimeException e) {
                LOG.error("autoscaler pass failed", e);
            }
        }, 0, period.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Stops the loop (the current pass finishes). */
    public void stop() {
        ScheduledExecutorService l;
        synchronized (this) {
            l = loop;
            loop = null;
        }
        if (l == null) return;
        l.shutdown();
        try {
            l.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
    }

    public AutoscalerMetrics metrics() {
        return metrics;
    }
}
