package io.gpufleet.autoscaler.controller;

import com.sun.net.httpserver.HttpServer;
import io.gpufleet.autoscaler.policy.ScalingPolicy;
import io.gpufleet.autoscaler.policy.ScalingPolicy.MetricSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrometheusSignalSourceTest {
    static final ScalingPolicy POLICY = KubeFixture.policy("""
            apiVersion: autoscaling.gpufleet.io/v1
            kind: ScalingPolicy
            metadata: {name: llm, namespace: inference}
            spec:
              targetRef: {kind: Deployment, name: llm}
              maxReplicas: 10
              metrics:
                - type: GpuUtilization
                  target: {type: Utilization, averageUtilization: 50}
                - type: GpuMemory
                  target: {type: Utilization, averageUtilization: 80}
                - type: Prometheus
                  prometheus: {query: 'sum(llm_queue_length{namespace="inference"})'}
                  target: {type: AverageValue, averageValue: 10}
            """);
    static final MetricSpec UTIL = POLICY.metrics().get(0);
    static final MetricSpec MEM = POLICY.metrics().get(1);
    static final MetricSpec QUERY = POLICY.metrics().get(2);

    HttpServer http;
    Process prometheus;

    @AfterEach
    void stop() {
        if (http != null) http.stop(0);
        if (prometheus != null) prometheus.destroyForcibly();
    }

    /** Serves {@code body.get()} at {@code path} with {@code text/plain} or JSON. */
    HttpServer serve(String path, AtomicReference<String> body, String contentType) throws Exception {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.createContext(path, ex -> {
            byte[] b = body.get().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", contentType);
            ex.sendResponseHeaders(body.get().startsWith("{\"status\":\"error\"") ? 400 : 200, b.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(b);
            }
        });
        s.start();
        return s;
    }

    @Test
    void readsVectorsScalarsAndReportsErrors() throws Exception {
        AtomicReference<String> answer = new AtomicReference<>();
        http = serve("/api/v1/query", answer, "application/json");
        PrometheusSignalSource src = new PrometheusSignalSource(URI.create("http://127.0.0.1:" + http.getAddress().getPort() + "/"), Duration.ofSeconds(2));
        answer.set("""
                {"status":"success","data":{"resultType":"vector","result":[
                  {"metric":{"pod":"llm-a"},"value":[1,"90"]},{"metric":{"pod":"llm-b"},"value":[1,"NaN"]},
                  {"metric":{"pod":"other"},"value":[1,"10"]}]}}""");
        assertEquals(Map.of("llm-a", 90.0), src.perReplica(POLICY, UTIL, List.of("llm-a", "llm-b")),
                "a NaN sample is missing, a pod not of the target is ignored");
        answer.set("{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1,\"42.5\"]}}");
        assertEquals(OptionalDouble.of(42.5), src.total(POLICY, QUERY));
        answer.set("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}");
        assertEquals(OptionalDouble.empty(), src.total(POLICY, QUERY), "no series: missing");
        answer.set("{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"parse error\"}");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> src.total(POLICY, QUERY));
        assertTrue(e.getMessage().contains("parse error"), e.getMessage());
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The real Prometheus scraping exporter-style series; the queries the controller sends give the values back. */
    @Test
    @Tag("e2e")
    void queriesARealPrometheus() throws Exception {
        AtomicReference<String> exposition = new AtomicReference<>("""
                # TYPE gpufleet_gpu_utilization_ratio gauge
                gpufleet_gpu_utilization_ratio{gpu="0",namespace="inference",pod="llm-a"} 0.9
                gpufleet_gpu_utilization_ratio{gpu="1",namespace="inference",pod="llm-a"} 0.7
                gpufleet_gpu_utilization_ratio{gpu="2",namespace="inference",pod="llm-b"} 0.2
                gpufleet_gpu_utilization_ratio{gpu="3",namespace="other",pod="llm-b"} 1
                # TYPE gpufleet_gpu_pod_memory_used_bytes gauge
                gpufleet_gpu_pod_memory_used_bytes{gpu="0",namespace="inference",pod="llm-a"} 4e9
                # TYPE gpufleet_gpu_memory_total_bytes gauge
                gpufleet_gpu_memory_total_bytes{gpu="0",namespace="inference",pod="llm-a"} 8e9
                # TYPE llm_queue_length gauge
                llm_queue_length{namespace="inference",pod="llm-a"} 3
                llm_queue_length{namespace="inference",pod="llm-b"} 4
                """);
        http = serve("/metrics", exposition, "text/plain; version=0.0.4");
        Path dir = Files.createTempDirectory("prom");
        Path cfg = dir.resolve("prometheus.yml");
        Files.writeString(cfg, """
                global: {scrape_interval: 1s}
                scrape_configs:
                  - job_name: exporter
                    honor_labels: true
                    static_configs: [{targets: ['127.0.0.1:%d']}]
                """.formatted(http.getAddress().getPort()));
        int port = freePort();
        prometheus = new ProcessBuilder("prometheus", "--config.file=" + cfg, "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port).redirectErrorStream(true).redirectOutput(dir.resolve("log").toFile()).start();
        PrometheusSignalSource src = new PrometheusSignalSource(URI.create("http://127.0.0.1:" + port), Duration.ofSeconds(2));
        long deadline = System.nanoTime() + 60_000_000_000L;
        OptionalDouble q = OptionalDouble.empty();
        while (System.nanoTime() < deadline) {
            try {
                q = src.total(POLICY, QUERY);
                if (q.isPresent()) break;
            } catch (RuntimeException notYet) {
                // Prometheus still starting
            }
            Thread.sleep(200);
        }
        assertEquals(OptionalDouble.of(7), q, "the query as written: " + Files.readString(dir.resolve("log")));
        Map<String, Double> util = src.perReplica(POLICY, UTIL, List.of("llm-a", "llm-b"));
        assertEquals(80.0, util.get("llm-a"), 1e-9, "mean of the pod's GPUs, in percent");
        assertEquals(20.0, util.get("llm-b"), 1e-9, "only the policy's namespace");
        assertEquals(Map.of("llm-a", 50.0), src.perReplica(POLICY, MEM, List.of("llm-a", "llm-b")));
        HttpResponse<String> ready = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/-/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ready.statusCode());
    }
}
