package io.gpufleet.autoscaler.controller;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gpufleet.autoscaler.policy.ScalingPolicy;
import io.gpufleet.autoscaler.policy.ScalingPolicy.MetricSpec;
import io.gpufleet.autoscaler.policy.ScalingPolicy.TargetType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * Metrics from Prometheus' HTTP API ({@code /api/v1/query}): GPU metrics per replica from the exporter's
 * pod-attributed series, and any instant query. Signals of stream-analytics are not in Prometheus; wrap this
 * source in {@link WorkloadSignals} for them.
 */
public final class PrometheusSignalSource implements SignalSource {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String base;
    private final Duration timeout;
    private final HttpClient http;

    public PrometheusSignalSource(URI prometheus, Duration timeout) {
        this.base = prometheus.toString().replaceAll("/+$", "");
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    /** The query for a per-replica GPU metric of a policy's namespace, one series per pod. */
    static String perReplicaQuery(ScalingPolicy policy, MetricSpec m) {
        String ns = "namespace=\"" + policy.namespace().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        return switch (m.source()) {
            case GpuUtilization -> "100 * avg by (pod) (gpufleet_gpu_utilization_ratio{" + ns + "})";
            case GpuMemory -> m.targetType() == TargetType.Utilization
                    ? "100 * sum by (pod) (gpufleet_gpu_pod_memory_used_bytes{" + ns + "}) / sum by (pod) (gpufleet_gpu_memory_total_bytes{" + ns + "})"
                    : "sum by (pod) (gpufleet_gpu_pod_memory_used_bytes{" + ns + "})";
            default -> throw new IllegalArgumentException("metric " + m.source() + " has no per-replica query");
        };
    }

    @Override
    public Map<String, Double> perReplica(ScalingPolicy policy, MetricSpec metric, List<String> pods) {
        Set<String> wanted = new HashSet<>(pods);
        Map<String, Double> out = new LinkedHashMap<>();
        for (JsonNode s : vector(query(perReplicaQuery(policy, metric)))) {
            JsonNode pod = s.path("metric").path("pod");
            double v = sampleValue(s.path("value"));
            if (pod.isTextual() && wanted.contains(pod.asText()) && !Double.isNaN(v)) out.put(pod.asText(), v);
        }
        return out;
    }

    @Override
    public OptionalDouble total(ScalingPolicy policy, MetricSpec metric) {
        String q = switch (metric.source()) {
            case Prometheus -> metric.name();
            case GpuUtilization, GpuMemory -> perReplicaQuery(policy, metric).replaceFirst(" by \\(pod\\)", "");
            case Signal -> throw new IllegalArgumentException("signal " + metric.name() + " comes from stream-analytics, not Prometheus");
        };
        JsonNode data = query(q);
        if ("scalar".equals(data.path("resultType").asText())) {
            double v = sampleValue(data.path("result"));
            return Double.isNaN(v) ? OptionalDouble.empty() : OptionalDouble.of(v);
        }
        JsonNode vec = vector(data);
        if (vec.isEmpty()) return OptionalDouble.empty();
        // Several series: their sum, the value of the whole target (as an External metric would be).
        double sum = 0;
        for (JsonNode s : vec) {
            double v = sampleValue(s.path("value"));
            if (Double.isNaN(v)) return OptionalDouble.empty();
            sum += v;
        }
        return OptionalDouble.of(sum);
    }

    private JsonNode query(String q) {
        URI uri = URI.create(base + "/api/v1/query?query=" + URLEncoder.encode(q, StandardCharsets.UTF_8));
        HttpResponse<String> rsp;
        try {
            rsp = http.send(HttpRequest.newBuilder(uri).timeout(timeout).GET().build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException("prometheus " + base + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted querying " + base, e);
        }
        JsonNode root;
        try {
            root = JSON.readTree(rsp.body());
        } catch (IOException e) {
            throw new IllegalStateException("prometheus answered " + rsp.statusCode() + " with malformed JSON for " + q);
        }
        if (rsp.statusCode() != 200 || !"success".equals(root.path("status").asText())) {
            throw new IllegalStateException("prometheus query " + q + " failed (" + rsp.statusCode() + "): " + root.path("error").asText());
        }
        return root.path("data");
    }

    private static JsonNode vector(JsonNode data) {
        String type = data.path("resultType").asText();
        if (!"vector".equals(type)) throw new IllegalStateException("prometheus: expected a vector or scalar, got " + type);
        return data.path("result");
    }

    /** A sample {@code [time, "value"]}; NaN when absent or not a number. */
    private static double sampleValue(JsonNode sample) {
        if (!sample.isArray() || sample.size() < 2) return Double.NaN;
        try {
            return Double.parseDouble(sample.get(1).asText());
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }
}
