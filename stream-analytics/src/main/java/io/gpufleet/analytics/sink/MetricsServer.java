package io.gpufleet.analytics.sink;

import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;

/** Serves a registry on {@code GET /metrics} (Prometheus text format) from the JDK's HTTP server. */
public final class MetricsServer implements AutoCloseable {
    private final HttpServer server;

    private MetricsServer(HttpServer server) {
        this.server = server;
    }

    /** Starts serving on {@code bind:port} (port 0 = any free port). */
    public static MetricsServer start(String bind, int port, PrometheusRegistry registry) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(bind, port), 16);
        PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
        s.createContext("/metrics", ex -> {
            try (ex) {
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                writer.write(body, registry.scrape());
                ex.getResponseHeaders().set("Content-Type", PrometheusTextFormatWriter.CONTENT_TYPE);
                ex.sendResponseHeaders(200, body.size());
                try (OutputStream os = ex.getResponseBody()) {
                    body.writeTo(os);
                }
            }
        });
        s.start();
        return new MetricsServer(s);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
