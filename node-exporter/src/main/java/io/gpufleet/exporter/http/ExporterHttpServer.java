package io.gpufleet.exporter.http;

import com.sun.net.httpserver.BasicAuthenticator;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.gpufleet.exporter.collect.GpuState;
import io.gpufleet.exporter.collect.NodeSnapshot;
import io.gpufleet.exporter.health.HealthStatus;
import io.gpufleet.exporter.metrics.ScrapeCache;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * The exporter's HTTP endpoints on the JDK's built-in server (small footprint, no extra threads beyond a
 * two-thread pool): {@code /metrics} (Prometheus text or OpenMetrics by content negotiation, gzip when
 * asked), {@code /health} (open even with basic auth, for probes) and a landing page at {@code /}.
 */
public final class ExporterHttpServer implements AutoCloseable {
    static {
        // Without TCP_NODELAY the JDK server's small writes wait on delayed ACKs (~40 ms a scrape).
        // Read once by the server's config class, so it must be set before the first server exists.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    /** Optional protections. {@code sslContext} null: plain HTTP; {@code user} null: no basic auth. */
    public record Security(SSLContext sslContext, String user, String password) {
        public static final Security NONE = new Security(null, null, null);
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final ScrapeCache cache;
    private final Supplier<NodeSnapshot> snapshot;
    private final Clock clock;
    private final Duration staleAfter;
    private final Security security;
    private final StringBuilder extraLinks = new StringBuilder();

    public ExporterHttpServer(String bindAddress, int port, ScrapeCache cache, Supplier<NodeSnapshot> snapshot,
                              Clock clock, Duration interval, Security security) throws IOException {
        this.cache = cache;
        this.snapshot = snapshot;
        this.clock = clock;
        // A collection pass that has not finished for three intervals means the loop is stuck.
        this.staleAfter = interval.multipliedBy(3).plusSeconds(1);
        this.security = security;
        InetSocketAddress addr = new InetSocketAddress(bindAddress, port);
        if (security.sslContext() != null) {
            HttpsServer https = HttpsServer.create(addr, 128);
            https.setHttpsConfigurator(new HttpsConfigurator(security.sslContext()));
            server = https;
        } else {
            server = HttpServer.create(addr, 128);
        }
        AtomicInteger n = new AtomicInteger();
        executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "gpufleet-http-" + port + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        protect(server.createContext("/metrics", this::metrics));
        server.createContext("/health", this::health);
        server.createContext("/", this::landing);
    }

    /** Mounts another handler (e.g. the simulator's control API); protected by basic auth when configured. */
    public void addContext(String path, HttpHandler handler, String description) {
        protect(server.createContext(path, handler));
        extraLinks.append("<li><a href=\"").append(path).append("\">").append(path).append("</a> ")
                .append(description).append("</li>");
    }

    private void protect(com.sun.net.httpserver.HttpContext ctx) {
        if (security.user() == null) return;
        byte[] user = security.user().getBytes(StandardCharsets.UTF_8);
        byte[] pass = security.password().getBytes(StandardCharsets.UTF_8);
        ctx.setAuthenticator(new BasicAuthenticator("gpufleet") {
            @Override
            public boolean checkCredentials(String u, String p) {
                // Constant-time comparison of both parts, evaluated together.
                boolean okUser = MessageDigest.isEqual(user, u.getBytes(StandardCharsets.UTF_8));
                boolean okPass = MessageDigest.isEqual(pass, p.getBytes(StandardCharsets.UTF_8));
                return okUser & okPass;
            }
        });
    }

    public void start() {
        server.start();
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    public String url() {
        return (security.sslContext() != null ? "https" : "http") + "://localhost:" + port();
    }

    private void metrics(HttpExchange ex) throws IOException {
        try (ex) {
            if (!allow(ex, "GET", "HEAD")) return;
            ScrapeCache.Format format = ScrapeCache.Format.negotiate(ex.getRequestHeaders().getFirst("Accept"));
            String enc = ex.getRequestHeaders().getFirst("Accept-Encoding");
            boolean gzip = enc != null && enc.contains("gzip");
            byte[] body = cache.get(format, gzip);
            if (body == null) {
                send(ex, 503, "text/plain; charset=utf-8", "no collection has finished yet\n".getBytes(StandardCharsets.UTF_8));
                return;
            }
            if (gzip) ex.getResponseHeaders().set("Content-Encoding", "gzip");
            send(ex, 200, format.contentType(), body);
        }
    }

    private void health(HttpExchange ex) throws IOException {
        try (ex) {
            if (!allow(ex, "GET", "HEAD")) return;
            NodeSnapshot s = snapshot.get();
            long age = clock.millis() - s.timestampMillis();
            String status = s.sequence() == 0 ? "starting" : age > staleAfter.toMillis() ? "stale" : "ok";
            int[] byHealth = new int[HealthStatus.values().length];
            for (GpuState g : s.gpus()) byHealth[g.health().status().ordinal()]++;
            String json = "{\"status\":\"" + status + "\",\"node\":\"" + jsonEscape(s.node()) + "\",\"gpus\":"
                    + s.gpus().size() + ",\"healthy\":" + byHealth[0] + ",\"degraded\":" + byHealth[1]
                    + ",\"failed\":" + byHealth[2] + ",\"collections\":" + s.stats().passes()
                    + ",\"lastCollectionAgeSeconds\":" + (s.sequence() == 0 ? "null" : String.format(java.util.Locale.ROOT, "%.3f", age / 1000.0))
                    + ",\"source\":\"" + jsonEscape(s.stats().sourceDescription()) + "\"}\n";
            send(ex, "ok".equals(status) ? 200 : 503, "application/json", json.getBytes(StandardCharsets.UTF_8));
        }
    }

    private void landing(HttpExchange ex) throws IOException {
        try (ex) {
            if (!"/".equals(ex.getRequestURI().getPath())) {
                send(ex, 404, "text/plain; charset=utf-8", "not found\n".getBytes(StandardCharsets.UTF_8));
                return;
            }
            if (!allow(ex, "GET", "HEAD")) return;
            NodeSnapshot s = snapshot.get();
            String html = "<!doctype html><html><head><title>gpufleet node-exporter</title></head><body>"
                    + "<h1>gpufleet node-exporter</h1><p>Node <b>" + htmlEscape(s.node()) + "</b>, " + s.gpus().size()
                    + " GPUs, source: " + htmlEscape(s.stats().sourceDescription()) + "</p><ul>"
                    + "<li><a href=\"/metrics\">/metrics</a> Prometheus text / OpenMetrics</li>"
                    + "<li><a href=\"/health\">/health</a> exporter health (JSON)</li>" + extraLinks
                    + "</ul></body></html>\n";
            send(ex, 200, "text/html; charset=utf-8", html.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static boolean allow(HttpExchange ex, String... methods) throws IOException {
        for (String m : methods) if (m.equals(ex.getRequestMethod())) return true;
        ex.getResponseHeaders().set("Allow", String.join(", ", methods));
        send(ex, 405, "text/plain; charset=utf-8", "method not allowed\n".getBytes(StandardCharsets.UTF_8));
        return false;
    }

    private static void send(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", contentType);
        boolean head = "HEAD".equals(ex.getRequestMethod());
        ex.sendResponseHeaders(status, head ? -1 : body.length);
        if (!head) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    static String jsonEscape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    private static String htmlEscape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
