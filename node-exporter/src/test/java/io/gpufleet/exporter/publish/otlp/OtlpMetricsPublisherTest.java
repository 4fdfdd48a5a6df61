package io.gpufleet.exporter.publish.otlp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.gpufleet.exporter.attribution.PodRef;
import io.gpufleet.exporter.collect.GpuState;
import io.gpufleet.exporter.collect.NodeSnapshot;
import io.gpufleet.exporter.health.GpuHealth;
import io.gpufleet.exporter.publish.MetricsPublisher.PublisherStats;
import io.gpufleet.exporter.publish.otlp.OtlpPublisherConfig.Protocol;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Against a real OTLP/HTTP receiver on a loopback port. */
class OtlpMetricsPublisherTest {
    private static final Duration INTERVAL = Duration.ofMillis(200);
    private HttpServer server;
    private final List<ExportMetricsServiceRequest> received = new CopyOnWriteArrayList<>();
    private final List<String> contentTypes = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/metrics", exchange -> {
            try (exchange) {
                if (!exchange.getRequestMethod().equals("POST")) {
                    exchange.sendResponseHeaders(405, -1);
                    return;
                }
                contentTypes.add(exchange.getRequestHeaders().getFirst("Content-Type"));
                InputStream in = exchange.getRequestBody();
                if ("gzip".equals(exchange.getRequestHeaders().getFirst("Content-Encoding"))) in = new GZIPInputStream(in);
                received.add(ExportMetricsServiceRequest.parseFrom(in.readAllBytes()));
                byte[] body = ExportMetricsServiceResponse.getDefaultInstance().toByteArray();
                exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
                if (body.length > 0) exchange.getResponseBody().write(body);
            }
        });
        server.start();
    }

    @AfterEach
    void stopReceiver() {
        server.stop(0);
    }

    private String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(20);
        }
    }

    /** Data points of {@code metric} in everything received, with their attributes (point and resource). */
    private List<Map.Entry<Map<String, String>, NumberDataPoint>> points(String metric) {
        List<Map.Entry<Map<String, String>, NumberDataPoint>> out = new ArrayList<>();
        for (ExportMetricsServiceRequest r : received) {
            for (ResourceMetrics rm : r.getResourceMetricsList()) {
                for (ScopeMetrics sm : rm.getScopeMetricsList()) {
                    for (Metric m : sm.getMetricsList()) {
                        if (!m.getName().equals(metric)) continue;
                        for (NumberDataPoint p : m.hasSum() ? m.getSum().getDataPointsList() : m.getGauge().getDataPointsList()) {
                            out.add(Map.entry(OtlpPoints.attrs(p.getAttributesList()), p));
                        }
                    }
                }
            }
        }
        return out;
    }

    @Test
    void gpuMetricsArriveAtTheCollector() throws Exception {
        long now = System.currentTimeMillis();
        GpuState g0 = TestSnapshots.gpu("node-7", 0, now);
        GpuState g1 = new GpuState(TestSnapshots.gpu("node-7", 1, now).reading(), GpuHealth.OK,
                List.of(new PodRef("ml", "train-3", "main", 0, 0, 2_000_000_000L)), List.of(), 0, 0);
        NodeSnapshot s = TestSnapshots.snapshot("node-7", List.of(g0, g1), now, 1);
        OtlpPublisherConfig config = OtlpPublisherConfig.defaults("node-7", Protocol.HTTP_PROTOBUF, INTERVAL)
                .withEndpoint(endpoint()).withCompression("gzip");
        assertEquals(endpoint() + "/v1/metrics", config.endpoint());
        // A fixed clock keeps the snapshot fresh however slowly the first export comes on a busy machine.
        Clock clock = Clock.fixed(Instant.ofEpochMilli(now), ZoneOffset.UTC);
        try (OtlpMetricsPublisher pub = new OtlpMetricsPublisher(config, clock)) {
            assertEquals("otlp", pub.name());
            pub.publish(s);
            await("GPU metrics", () -> !points("gpufleet_gpu_power_usage_watts").isEmpty());
            await("a counted export", () -> pub.stats().sent() > 0);
            PublisherStats stats = pub.stats();
            assertTrue(stats.connected());
            assertEquals(0, stats.dropped());
        }
        assertEquals("application/x-protobuf", contentTypes.get(0));

        ResourceMetrics rm = received.stream().flatMap(r -> r.getResourceMetricsList().stream())
                .filter(r -> r.getScopeMetricsList().stream().anyMatch(sm -> sm.getMetricsCount() > 0)).findFirst().orElseThrow();
        Map<String, String> resource = OtlpPoints.attrs(rm.getResource().getAttributesList());
        assertEquals("node-7", resource.get("host.name"));
        assertEquals(OtlpMetricsPublisher.SERVICE_NAME, resource.get("service.name"));

        String uuid0 = TestSnapshots.identity("node-7", 0).uuid();
        String uuid1 = TestSnapshots.identity("node-7", 1).uuid();
        var power = points("gpufleet_gpu_power_usage_watts");
        assertTrue(power.stream().anyMatch(e -> e.getKey().get("gpu.uuid").equals(uuid0) && e.getValue().getAsDouble() == 300));
        assertTrue(power.stream().anyMatch(e -> e.getKey().get("gpu.uuid").equals(uuid1) && e.getValue().getAsDouble() == 301));
        var idAttrs = power.stream().filter(e -> e.getKey().get("gpu.uuid").equals(uuid1)).findFirst().orElseThrow().getKey();
        assertEquals("1", idAttrs.get("gpu.index"));
        assertEquals("NVIDIA H100 80GB HBM3", idAttrs.get("gpu.model"));
        assertEquals("train-3", idAttrs.get("k8s.pod.name"));
        assertEquals("ml", idAttrs.get("k8s.namespace.name"));
        assertFalse(power.stream().filter(e -> e.getKey().get("gpu.uuid").equals(uuid0)).findFirst().orElseThrow()
                .getKey().containsKey("k8s.pod.name"));

        var temps = points("gpufleet_gpu_temperature_celsius");
        assertTrue(temps.stream().anyMatch(e -> e.getKey().get("gpu.uuid").equals(uuid0)
                && "memory".equals(e.getKey().get("sensor")) && e.getValue().getAsDouble() == 50));
        // Counters arrive as monotonic cumulative sums under their native name.
        Metric energy = received.stream().flatMap(r -> r.getResourceMetricsList().stream())
                .flatMap(r -> r.getScopeMetricsList().stream()).flatMap(sm -> sm.getMetricsList().stream())
                .filter(m -> m.getName().equals("gpufleet_gpu_energy_joules")).findFirst().orElseThrow();
        assertTrue(energy.hasSum() && energy.getSum().getIsMonotonic());
        assertEquals("J", energy.getUnit());
        // Absent fields are absent: the reading has no power limit.
        assertTrue(points("gpufleet_gpu_power_limit_watts").isEmpty());
        assertEquals(0, points("gpufleet_gpu_health_status").get(0).getValue().getAsDouble());
    }

    @Test
    void staleSnapshotsAreNotReported() throws Exception {
        long now = 1_790_000_000_000L;
        Clock clock = Clock.fixed(Instant.ofEpochMilli(now), ZoneOffset.UTC);
        OtlpPublisherConfig config = OtlpPublisherConfig.defaults("node-8", Protocol.HTTP_PROTOBUF, INTERVAL)
                .withEndpoint(endpoint());
        try (OtlpMetricsPublisher pub = new OtlpMetricsPublisher(config, clock)) {
            pub.publish(TestSnapshots.snapshot("node-8", 1, now - OtlpMetricsPublisher.MIN_STALE_MILLIS - 1, 1));
            Thread.sleep(3 * INTERVAL.toMillis());
            assertTrue(points("gpufleet_gpu_power_usage_watts").isEmpty(), "a stalled loop's old snapshot is not pushed");
            pub.publish(TestSnapshots.snapshot("node-8", 1, now, 2));
            await("fresh snapshot", () -> !points("gpufleet_gpu_power_usage_watts").isEmpty());
        }
    }

    @Test
    void deadCollectorNeitherThrowsNorHoldsClose() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        for (Protocol protocol : Protocol.values()) {
            OtlpPublisherConfig config = OtlpPublisherConfig.defaults("node-9", protocol, Duration.ofMillis(100))
                    .withEndpoint("http://127.0.0.1:" + port);
            OtlpMetricsPublisher pub = new OtlpMetricsPublisher(config);
            pub.publish(TestSnapshots.snapshot("node-9", 2, System.currentTimeMillis(), 1));
            // Failed exports count only when there was something to export: the fresh snapshot.
            await(protocol + " failed exports counted", () -> pub.stats().dropped() >= 2);
            PublisherStats stats = pub.stats();
            assertEquals(0, stats.sent());
            assertFalse(stats.connected());
            long t0 = System.nanoTime();
            pub.close();
            long closeMs = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(closeMs < 2500, protocol + " close took " + closeMs + " ms");
            pub.publish(TestSnapshots.snapshot("node-9", 2, System.currentTimeMillis(), 2));
            pub.close();
        }
    }

    @Test
    void configValidationNamesTheOption() {
        assertEquals(OtlpPublisherConfig.DEFAULT_GRPC_ENDPOINT,
                OtlpPublisherConfig.defaults("n", Protocol.GRPC, INTERVAL).endpoint());
        assertEquals(OtlpPublisherConfig.DEFAULT_HTTP_ENDPOINT,
                OtlpPublisherConfig.defaults("n", Protocol.HTTP_PROTOBUF, INTERVAL).endpoint());
        assertEquals("http://c:4318/custom", OtlpPublisherConfig.defaults("n", Protocol.HTTP_PROTOBUF, INTERVAL)
                .withEndpoint("http://c:4318/custom").endpoint());
        assertEquals(Protocol.HTTP_PROTOBUF, Protocol.parse("http/protobuf"));
        assertOption("protocol", () -> Protocol.parse("thrift"));
        assertOption("node", () -> OtlpPublisherConfig.defaults(" ", Protocol.GRPC, INTERVAL));
        assertOption("exportInterval", () -> OtlpPublisherConfig.defaults("n", Protocol.GRPC, Duration.ZERO));
        assertOption("endpoint", () -> OtlpPublisherConfig.defaults("n", Protocol.GRPC, INTERVAL).withEndpoint("localhost:4317"));
        assertOption("endpoint", () -> OtlpPublisherConfig.defaults("n", Protocol.GRPC, INTERVAL).withEndpoint("http://a b"));
        assertOption("timeout", () -> OtlpPublisherConfig.defaults("n", Protocol.GRPC, INTERVAL).withTimeout(Duration.ofSeconds(-1)));
        assertOption("compression", () -> OtlpPublisherConfig.defaults("n", Protocol.GRPC, INTERVAL).withCompression("zstd"));
        assertOption("headers", () -> OtlpPublisherConfig.defaults("n", Protocol.GRPC, INTERVAL).withHeaders(Map.of(" ", "x")));
    }

    private static void assertOption(String option, Runnable r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().contains("'" + option + "'"), e.getMessage());
    }
}
