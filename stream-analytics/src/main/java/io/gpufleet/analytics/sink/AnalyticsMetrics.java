package io.gpufleet.analytics.sink;

import io.gpufleet.analytics.decode.DeadLetters;
import io.gpufleet.contracts.GpuFault;
import io.gpufleet.contracts.QuotaUsage;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Locale;

/**
 * The analytics job's Prometheus metrics, JVM-wide (an embedded job's sinks and the HTTP endpoint share them):
 * daily quota usage per group and user, fault counts, alert delivery, dead letters. Sinks update them; a scrape
 * only reads them.
 */
public final class AnalyticsMetrics {
    private static final AnalyticsMetrics SHARED = new AnalyticsMetrics();

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Gauge allocated = Gauge.builder().name("gpufleet_quota_allocated_gpu_seconds")
            .help("GPU-seconds allocated today (UTC), per quota group (user empty) and per user.")
            .labelNames("scope", "quota_group", "user").register(registry);
    private final Gauge used = Gauge.builder().name("gpufleet_quota_used_gpu_seconds")
            .help("Utilization-weighted GPU-seconds used today (UTC).")
            .labelNames("scope", "quota_group", "user").register(registry);
    private final Gauge memory = Gauge.builder().name("gpufleet_quota_memory_gib_seconds")
            .help("GPU memory held today (UTC), GiB-seconds.")
            .labelNames("scope", "quota_group", "user").register(registry);
    private final Gauge efficiency = Gauge.builder().name("gpufleet_quota_efficiency_ratio")
            .help("Used over allocated GPU time in the last complete minute.")
            .labelNames("scope", "quota_group", "user").register(registry);
    private final Counter faults = Counter.builder().name("gpufleet_analytics_faults")
            .help("GPU faults detected, by kind and severity.")
            .labelNames("kind", "severity").register(registry);
    private final Gauge activeFaults = Gauge.builder().name("gpufleet_analytics_faults_active")
            .help("GPU faults now active, by kind.").labelNames("kind").register(registry);
    private final Counter alertsSent = Counter.builder().name("gpufleet_analytics_alerts_sent")
            .help("Alerts Alertmanager accepted (firing and resolved).").register(registry);
    private final Counter alertErrors = Counter.builder().name("gpufleet_analytics_alert_errors")
            .help("Failed posts to Alertmanager (retried).").register(registry);
    private final Counter lateSamples = Counter.builder().name("gpufleet_analytics_late_samples")
            .help("Samples that arrived behind the event-time watermark (counted, not used).").register(registry);
    private final Gauge alertQueue = Gauge.builder().name("gpufleet_analytics_alerts_queued")
            .help("Alerts waiting to be posted to Alertmanager.").register(registry);

    private AnalyticsMetrics() {
        GaugeWithCallback.builder().name("gpufleet_analytics_dead_letters")
                .help("Input records refused (not protobuf, wrong schema, NaN, absurd timestamp), by reason, since start.")
                .labelNames("reason")
                .callback(cb -> DeadLetters.byReason().forEach((r, n) -> cb.call(n, r)))
                .register(registry);
    }

    public static AnalyticsMetrics shared() {
        return SHARED;
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    public void quota(QuotaUsage u) {
        String scope = u.scope().name().toLowerCase(Locale.ROOT);
        if (u.period() == QuotaUsage.Period.DAY) {
            allocated.labelValues(scope, u.quotaGroup(), u.user()).set(u.allocatedGpuSeconds());
            used.labelValues(scope, u.quotaGroup(), u.user()).set(u.usedGpuSeconds());
            memory.labelValues(scope, u.quotaGroup(), u.user()).set(u.memoryGiBSeconds());
        } else {
            efficiency.labelValues(scope, u.quotaGroup(), u.user()).set(u.efficiency());
        }
    }

    public void fault(GpuFault f) {
        String kind = f.kind().name().toLowerCase(Locale.ROOT);
        if (f.isActive()) {
            faults.labelValues(kind, f.severity().name().toLowerCase(Locale.ROOT)).inc();
            activeFaults.labelValues(kind).inc();
        } else {
            activeFaults.labelValues(kind).dec();
        }
    }

    public void lateSample() {
        lateSamples.inc();
    }

    void alertsSent(int n) {
        alertsSent.inc(n);
    }

    void alertError() {
        alertErrors.inc();
    }

    void alertQueue(int n) {
        alertQueue.set(n);
    }
}
