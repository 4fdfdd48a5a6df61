package io.gpufleet.platform.up;

import io.gpufleet.analytics.sink.AnalyticsMetrics;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** The analytics job's GPU-seconds of today per quota group and user, as one line (read in process). */
final class QuotaReport {
    private QuotaReport() {}

    static final String METRIC = "gpufleet_quota_allocated_gpu_seconds";

    /** GPU-seconds per group, and per user within each group ({@code ""} holds the group total). */
    static Map<String, Map<String, Double>> allocated() {
        Map<String, Map<String, Double>> out = new TreeMap<>();
        for (MetricSnapshot m : AnalyticsMetrics.shared().registry().scrape()) {
            if (!(m instanceof GaugeSnapshot g) || !m.getMetadata().getName().equals(METRIC)) continue;
            for (GaugeSnapshot.GaugeDataPointSnapshot p : g.getDataPoints()) {
                String group = p.getLabels().get("quota_group");
                String user = "user".equals(p.getLabels().get("scope")) ? p.getLabels().get("user") : "";
                out.computeIfAbsent(group, k -> new TreeMap<>()).put(user, p.getValue());
            }
        }
        return out;
    }

    /** E.g. {@code team-a 1234 GPU-s (alice 600, bob 634); team-b ...}, or empty before the first minute closes. */
    static String line(Map<String, Map<String, Double>> allocated) {
        List<String> groups = new ArrayList<>();
        for (Map.Entry<String, Map<String, Double>> g : allocated.entrySet()) {
            List<String> users = new ArrayList<>();
            for (Map.Entry<String, Double> u : g.getValue().entrySet()) {
                if (!u.getKey().isEmpty()) users.add(String.format(Locale.ROOT, "%s %.0f", u.getKey(), u.getValue()));
            }
            groups.add(String.format(Locale.ROOT, "%s %.0f GPU-s (%s)", g.getKey(), g.getValue().getOrDefault("", 0.0),
                    String.join(", ", users)));
        }
        return String.join("; ", groups);
    }
}
