package io.gpufleet.exporter.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gpufleet.exporter.NodeExporter;
import io.gpufleet.exporter.attribution.PodResolver;
import io.gpufleet.exporter.collect.CollectorSettings;
import io.gpufleet.exporter.health.HealthPolicy;
import io.gpufleet.exporter.metrics.MetricSet;
import io.gpufleet.exporter.metrics.TextExposition;
import io.gpufleet.contracts.time.ManualClock;
import io.gpufleet.exporter.source.ScriptedGpuSource;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExporterHttpServerTest {
    private final HttpClient http = HttpClient.newHttpClient();

    private static NodeExporter exporter(ExporterHttpServer.Security security) throws Exception {
        ManualClock clock = new ManualClock(System.currentTimeMillis());
        var settings = new NodeExporter.Settings("127.0.0.1", 0,
                new CollectorSettings(Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofMillis(20)),
                MetricSet.BOTH, HealthPolicy.DEFAULT, security);
        NodeExporter e = new NodeExporter(new ScriptedGpuSource("node-h", 2, Clock.systemUTC()), PodResolver.NONE,
                List.of(), settings, Clock.systemUTC());
        e.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (e.cache().sequence() == 0 && System.nanoTime() < deadline) Thread.sleep(10);
        return e;
    }

    private HttpResponse<byte[]> get(String url, String... headers) throws Exception {
        var b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5));
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void servesMetricsHealthAndLanding() throws Exception {
        try (NodeExporter e = exporter(ExporterHttpServer.Security.NONE)) {
            var m = get(e.url() + "/metrics");
            assertEquals(200, m.statusCode());
            assertTrue(m.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
            var t = TextExposition.parse(new String(m.body(), StandardCharsets.UTF_8));
            assertEquals(36, t.value("gpufleet_gpu_temperature_celsius", "node", "node-h", "gpu", "1", "sensor", "gpu"));
            assertEquals(36, t.value("DCGM_FI_DEV_GPU_TEMP", "Hostname", "node-h", "gpu", "1"));

            var om = get(e.url() + "/metrics", "Accept", "application/openmetrics-text;version=1.0.0,text/plain;q=0.5");
            assertTrue(om.headers().firstValue("Content-Type").orElse("").startsWith("application/openmetrics-text"));
            assertTrue(new String(om.body(), StandardCharsets.UTF_8).endsWith("# EOF\n"));

            var gz = get(e.url() + "/metrics", "Accept-Encoding", "gzip");
            assertEquals("gzip", gz.headers().firstValue("Content-Encoding").orElse(""));

            var h = get(e.url() + "/health");
            assertEquals(200, h.statusCode());
            String json = new String(h.body(), StandardCharsets.UTF_8);
            assertTrue(json.contains("\"status\":\"ok\"") && json.contains("\"gpus\":2"), json);

            assertTrue(new String(get(e.url() + "/").body(), StandardCharsets.UTF_8).contains("/metrics"));
            assertEquals(404, get(e.url() + "/nope").statusCode());
            var post = http.send(HttpRequest.newBuilder(URI.create(e.url() + "/metrics"))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(405, post.statusCode());
        }
    }

    @Test
    void basicAuthProtectsMetricsButNotHealth() throws Exception {
        try (NodeExporter e = exporter(new ExporterHttpServer.Security(null, "prom", "s3cret"))) {
            assertEquals(401, get(e.url() + "/metrics").statusCode());
            String bad = "Basic " + Base64.getEncoder().encodeToString("prom:wrong".getBytes(StandardCharsets.UTF_8));
            assertEquals(401, get(e.url() + "/metrics", "Authorization", bad).statusCode());
            String good = "Basic " + Base64.getEncoder().encodeToString("prom:s3cret".getBytes(StandardCharsets.UTF_8));
            assertEquals(200, get(e.url() + "/metrics", "Authorization", good).statusCode());
            assertEquals(200, get(e.url() + "/health").statusCode());
        }
    }

    @Test
    void servesHttpsFromPemFiles(@TempDir Path dir) throws Exception {
        Path key = dir.resolve("key.pem"), cert = dir.resolve("cert.pem");
        boolean openssl;
        try {
            Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", key.toString(), "-out", cert.toString()).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            openssl = p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (java.io.IOException ex) {
            openssl = false;
        }
        assumeTrue(openssl, "openssl is not installed here: cannot make a test certificate, HTTPS test skipped");
        SSLContext server = TlsContexts.fromPem(cert, key);
        try (NodeExporter e = exporter(new ExporterHttpServer.Security(server, null, null))) {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509")
                    .generateCertificate(Files.newInputStream(cert)));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext client = SSLContext.getInstance("TLS");
            client.init(null, tmf.getTrustManagers(), null);
            HttpClient https = HttpClient.newBuilder().sslContext(client).build();
            assertTrue(e.url().startsWith("https://"));
            var r = https.send(HttpRequest.newBuilder(URI.create(e.url() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertTrue(r.body().contains("gpufleet_gpu_info"));
        }
    }
}
