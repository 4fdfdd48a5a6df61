package io.gpufleet.autoscaler.controller;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ControllerMainTest {
    @TempDir
    Path dir;
    KubeFixture k;
    HttpServer prometheus;

    @AfterEach
    void close() {
        if (k != null) k.close();
        if (prometheus != null) prometheus.stop(0);
    }

    static final String POLICY = """
            apiVersion: autoscaling.gpufleet.io/v1
            kind: ScalingPolicy
            metadata: {name: llm, namespace: inference}
            spec:
              targetRef: {kind: Deployment, name: llm}
              maxReplicas: 10
              metrics:
                - type: Prometheus
                  prometheus: {query: 'sum(rate(requests_total[1m]))'}
                  target: {type: AverageValue, averageValue: 10}
            """;

    String run(String... args) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int rc = ControllerMain.run(args, new PrintStream(buf, true, StandardCharsets.UTF_8));
        return rc + " " + buf.toString(StandardCharsets.UTF_8).trim();
    }

    @Test
    void badOptionsAndPoliciesAreNamedUpFront() throws Exception {
        Path p = Files.writeString(dir.resolve("llm.yaml"), POLICY);
        assertEquals("2 autoscaler: --policies: required (a ScalingPolicy file or directory)", run());
        assertEquals("0 " + ControllerConfig.USAGE.trim(), run("--help"));
        assertEquals("2 autoscaler: --signals-bootstrap: 'kafka' is not host:port", run("--policies", p.toString(), "--signals-bootstrap", "kafka"));
        assertEquals("2 autoscaler: --metrics-port: 'x' is not an integer", run("--policies", p.toString(), "--metrics-port", "x"));
        assertEquals("2 autoscaler: --metrics-port: 70000 is outside 0..65535", run("--policies", p.toString(), "--metrics-port", "70000"));
        assertEquals("2 autoscaler: --period: PT0.5S is outside 1s..10m", run("--policies", p.toString(), "--period", "PT0.5S"));
        assertEquals("2 autoscaler: --period: 'soon' is not a duration (90s, 5m, 1m30s, PT15S)", run("--policies", p.toString(), "--period", "soon"));
        assertEquals("2 autoscaler: --scheduler-url: 'ftp://x' is not an http(s) URL with a host", run("--policies", p.toString(), "--scheduler-url", "ftp://x"));
        assertEquals("2 autoscaler: --kubeconfig: " + dir.resolve("nope") + " is not a readable file",
                run("--policies", p.toString(), "--kubeconfig", dir.resolve("nope").toString()));
        assertEquals("2 autoscaler: --dryrun: unknown option", run("--policies", p.toString(), "--dryrun"));
        assertEquals("2 autoscaler: --prometheus-url: needs a value", run("--policies", p.toString(), "--prometheus-url"));
        assertEquals("2 autoscaler: inference/llm: spec.metrics[0]: type Prometheus needs --prometheus-url", run("--policies", p.toString()));
        Files.writeString(dir.resolve("bad.yaml"), POLICY.replace("maxReplicas: 10", "maxReplicas: -1"));
        String out = run("--policies", dir.toString(), "--prometheus-url", "http://localhost:9090");
        assertTrue(out.startsWith("2 autoscaler: ") && out.contains("bad.yaml: spec.maxReplicas"), out);
        assertEquals(Duration.ofSeconds(90), ControllerConfig.duration("--period", "1m30s"));
        assertThrows(IllegalArgumentException.class, () -> ControllerConfig.parse(new String[]{"--policies", p.toString(), "--scheduler-token-file", p.toString()}));
    }

    @Test
    void startsServesMetricsAndScalesThroughTheApiServer() throws Exception {
        k = new KubeFixture();
        k.node("od-1", false, false);
        k.deployment("inference", "llm", 1, 1);
        k.pod("inference", "llm", "llm-a", "od-1");
        prometheus = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        prometheus.createContext("/api/v1/query", ex -> {
            byte[] b = "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1,\"35\"]}}".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(b);
            }
        });
        prometheus.start();
        Path kubeconfig = Files.writeString(dir.resolve("kubeconfig"), """
                apiVersion: v1
                kind: Config
                clusters: [{name: mock, cluster: {server: '%s', insecure-skip-tls-verify: true}}]
                users: [{name: u, user: {token: t}}]
                contexts: [{name: mock, context: {cluster: mock, user: u, namespace: inference}}]
                current-context: mock
                """.formatted(k.client.getMasterUrl()));
        Path p = Files.writeString(dir.resolve("llm.yaml"), POLICY);
        ControllerConfig cfg = ControllerConfig.parse(new String[]{"--policies", p.toString(), "--kubeconfig", kubeconfig.toString(),
                "--prometheus-url", "http://127.0.0.1:" + prometheus.getAddress().getPort(), "--metrics-port", "0",
                "--period", "1s", "--identity", "replica-a"});
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (ControllerMain m = ControllerMain.start(cfg, ControllerMain.load(cfg), new PrintStream(buf, true, StandardCharsets.UTF_8))) {
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (k.replicas("inference", "llm") != 4 && System.nanoTime() < deadline) Thread.sleep(100);
            assertEquals(4, k.replicas("inference", "llm"), "35 requests/s at 10 per replica");
            // the event and the metrics follow the scale write within the same pass
            while (k.events("inference", "llm").isEmpty() && System.nanoTime() < deadline) Thread.sleep(100);
            HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + m.metricsPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, metrics.statusCode());
            assertTrue(metrics.body().contains("gpufleet_autoscaler_decisions_total{direction=\"up\",policy=\"llm\"} 1.0"), metrics.body());
            assertTrue(k.events("inference", "llm").stream().anyMatch(e -> e.startsWith("SuccessfulRescale: New size: 4")));
            assertEquals("replica-a", k.client.leases().inNamespace("inference").withName("gpufleet-autoscaler").get()
                    .getSpec().getHolderIdentity(), "it acted as the holder of the Lease in its kubeconfig namespace");
        }
        assertTrue(buf.toString(StandardCharsets.UTF_8).contains("autoscaler: 1 policies, metrics on :"), buf.toString(StandardCharsets.UTF_8));
    }
}
