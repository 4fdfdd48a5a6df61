package io.gpufleet.scheduler.api;

import io.gpufleet.scheduler.framework.Decision;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The scheduler's Prometheus metrics (client_java 1.x). The decision loop writes them (counters, and gauges set
 * after each pass); a scrape only reads the registry, so it never touches the scheduler.
 */
public final class SchedulerMetrics {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    final Counter decisions = Counter.builder().name("gpufleet_scheduler_decisions_total")
            .help("Scheduling decisions by outcome (bound, waiting, unschedulable)").labelNames("outcome").register(registry);
    final Counter preemptions = Counter.builder().name("gpufleet_scheduler_preemptions_total")
            .help("Pods evicted by quota reclaim (a group taking back its minimum) or by priority inside a group").register(registry);
    final Histogram cycleSeconds = Histogram.builder().name("gpufleet_scheduler_queue_pass_seconds")
            .help("Time of one pass over the scheduling queue on the decision loop")
            .classicUpperBounds(0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5).register(registry);
    final Histogram httpSeconds = Histogram.builder().name("gpufleet_scheduler_http_request_seconds")
            .help("HTTP request latency by route and status class").labelNames("route", "code")
            .classicUpperBounds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1).register(registry);
    final Gauge queued = Gauge.builder().name("gpufleet_scheduler_queue_pods")
            .help("Pods in the scheduling queue (pending, including back-off)").register(registry);
    final Gauge waiting = Gauge.builder().name("gpufleet_scheduler_waiting_pods")
            .help("Gang members holding a reservation at Permit").register(registry);
    final Gauge backlog = Gauge.builder().name("gpufleet_scheduler_loop_backlog")
            .help("Calls waiting for the decision loop").register(registry);
    final Gauge placed = Gauge.builder().name("gpufleet_scheduler_placed_pods").help("Pods holding capacity").register(registry);
    final Gauge quotaUsedGpus = Gauge.builder().name("gpufleet_scheduler_quota_used_gpus")
            .help("GPUs held by a quota group and its descendants").labelNames("group").register(registry);
    final Gauge quotaMinGpus = Gauge.builder().name("gpufleet_scheduler_quota_min_gpus")
            .help("Guaranteed GPUs of a quota group").labelNames("group").register(registry);
    final Gauge quotaMaxGpus = Gauge.builder().name("gpufleet_scheduler_quota_max_gpus")
            .help("GPU cap of a quota group (absent when unlimited)").labelNames("group").register(registry);
    final Gauge gpusAllocated = Gauge.builder().name("gpufleet_scheduler_gpus_allocated")
            .help("GPU compute allocated in the cluster, in GPUs").register(registry);
    final Gauge gpusUnhealthy = Gauge.builder().name("gpufleet_scheduler_gpus_unhealthy")
            .help("GPUs out of the pool because they are unhealthy").register(registry);
    final Gauge gpusFragmented = Gauge.builder().name("gpufleet_scheduler_gpus_fragmented")
            .help("Free GPU compute, in GPUs, that the typical request (the mix of pods placed now) cannot use: FGD's fragment measure").register(registry);
    final Gauge fragmentationRatio = Gauge.builder().name("gpufleet_scheduler_fragmentation_ratio")
            .help("Fragmented share of the free GPU compute (0..1)").register(registry);
    final Gauge quotaPendingPods = Gauge.builder().name("gpufleet_scheduler_quota_pending_pods")
            .help("Pods of a quota group waiting in the scheduling queue").labelNames("group").register(registry);
    final Gauge gangLongestWait = Gauge.builder().name("gpufleet_scheduler_gang_longest_wait_seconds")
            .help("How long the gang queued longest has waited (0 when no gang is queued)").register(registry);
    final Gauge gangReservedNodes = Gauge.builder().name("gpufleet_scheduler_gang_reserved_nodes")
            .help("Nodes reserved for a starving gang (other GPU work does not start there)").register(registry);
    final Counter gangTimeouts = Counter.builder().name("gpufleet_scheduler_gang_timeouts_total")
            .help("Gang members released because their gang did not complete within scheduleTimeoutSeconds").register(registry);
    private long timeoutsSeen;
    final Counter kubeErrors = Counter.builder().name("gpufleet_scheduler_kube_errors_total")
            .help("Failed Kubernetes API calls by operation").labelNames("operation").register(registry);

    void decision(Decision d) {
        decisions.labelValues(d.outcome().name().toLowerCase()).inc();
        if (!d.victims().isEmpty()) preemptions.inc(d.victims().size());
    }

    /** The scheduler counts timeouts since its start; the counter follows it. */
    void permitTimeouts(long total) {
        if (total > timeoutsSeen) gangTimeouts.inc(total - timeoutsSeen);
        timeoutsSeen = total;
    }

    public void kubeError(String operation) {
        kubeErrors.labelValues(operation).inc();
    }

    /** The registry scraped on {@code /metrics}; other parts of the process (the fault listener) add theirs here. */
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
}
