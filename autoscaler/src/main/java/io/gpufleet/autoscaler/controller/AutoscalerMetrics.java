package io.gpufleet.autoscaler.controller;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The autoscaler's Prometheus metrics (client_java 1.x), one table: dashboards and alerts are written against
 * these names, so they change only together with autoscaler/README.md. The controller writes them after each
 * decision; a scrape only reads the registry.
 */
public final class AutoscalerMetrics {
    /** Every metric name, as exposed (counters with their {@code _total} suffix). */
    public static final List<String> NAMES = List.of(
            "gpufleet_autoscaler_replicas",
            "gpufleet_autoscaler_desired_replicas",
            "gpufleet_autoscaler_decisions_total",
            "gpufleet_autoscaler_limited_total",
            "gpufleet_autoscaler_unplaceable_replicas",
            "gpufleet_autoscaler_actuation_errors_total",
            "gpufleet_autoscaler_metric_value",
            "gpufleet_autoscaler_training_workers",
            "gpufleet_autoscaler_resizes_total",
            "gpufleet_autoscaler_last_decision_timestamp_seconds",
            "gpufleet_autoscaler_dependency_errors_total");

    private final PrometheusRegistry registry;
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    final Gauge replicas;
    final Gauge desiredReplicas;
    final Counter decisions;
    final Counter limited;
    final Gauge unplaceable;
    final Counter actuationErrors;
    final Gauge metricValue;
    final Gauge trainingWorkers;
    final Counter resizes;
    final Gauge lastDecision;
    final Counter dependencyErrors;

    public AutoscalerMetrics() {
        this(new PrometheusRegistry());
    }

    /** Registers the metrics in {@code registry} (a process may share one registry between components). */
    public AutoscalerMetrics(PrometheusRegistry registry) {
        this.registry = registry;
        replicas = Gauge.builder().name("gpufleet_autoscaler_replicas")
                .help("Current replicas of the scaled target (scale subresource spec)")
                .labelNames("policy", "namespace", "target").register(registry);
        desiredReplicas = Gauge.builder().name("gpufleet_autoscaler_desired_replicas")
                .help("Replicas the policy wants after stabilization, rate limits, bounds and GPU capacity")
                .labelNames("policy", "namespace", "target").register(registry);
        decisions = Counter.builder().name("gpufleet_autoscaler_decisions_total")
                .help("Decisions by direction (up, down, none)").labelNames("policy", "direction").register(registry);
        limited = Counter.builder().name("gpufleet_autoscaler_limited_total")
                .help("Decisions whose recommendation a rule limited, by rule (max_replicas, min_replicas, schedule, "
                        + "behavior_policy, stabilization, gpu_capacity, tolerance, invalid_metrics, ...)")
                .labelNames("policy", "reason").register(registry);
        unplaceable = Gauge.builder().name("gpufleet_autoscaler_unplaceable_replicas")
                .help("Replicas wanted but not placeable on free GPUs (not created)").labelNames("policy").register(registry);
        actuationErrors = Counter.builder().name("gpufleet_autoscaler_actuation_errors_total")
                .help("Failed writes to the API server (scale, patch, annotation); each is retried")
                .labelNames("policy").register(registry);
        metricValue = Gauge.builder().name("gpufleet_autoscaler_metric_value")
                .help("Last value read for a policy metric (mean over replicas for per-replica metrics; NaN when missing)")
                .labelNames("policy", "metric").register(registry);
        trainingWorkers = Gauge.builder().name("gpufleet_autoscaler_training_workers")
                .help("Workers of an elastic training job").labelNames("policy", "job").register(registry);
        resizes = Counter.builder().name("gpufleet_autoscaler_resizes_total")
                .help("Applied resizes of elastic training jobs").labelNames("policy").register(registry);
        lastDecision = Gauge.builder().name("gpufleet_autoscaler_last_decision_timestamp_seconds")
                .help("Unix time of the policy's last decision").labelNames("policy").register(registry);
        dependencyErrors = Counter.builder().name("gpufleet_autoscaler_dependency_errors_total")
                .help("Failed reads of a dependency (kubernetes, signals, capacity, events); the pass goes on degraded")
                .labelNames("dependency").register(registry);
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    /** Prometheus text exposition of every metric. */
    public String scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    public String contentType() {
        return writer.getContentType();
    }

    /** An elastic training job's worker count. */
    public void trainingWorkers(String policy, String job, int workers) {
        trainingWorkers.labelValues(policy, job).set(workers);
    }

    /** An applied resize of an elastic training job. */
    public void resized(String policy, String job, int workers) {
        resizes.labelValues(policy).inc();
        trainingWorkers.labelValues(policy, job).set(workers);
    }

    /** A failed write for the policy's target (retried). */
    public void actuationError(String policy) {
        actuationErrors.labelValues(policy).inc();
    }

    /** A failed read of {@code dependency} (kubernetes, signals, capacity, events). */
    public void dependencyError(String dependency) {
        dependencyErrors.labelValues(dependency).inc();
    }
}
