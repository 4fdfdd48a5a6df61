package io.gpufleet.platform.observe;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;

/** An Alertmanager webhook receiver on loopback that keeps every alert it is sent, with its arrival time. */
final class Webhook implements AutoCloseable {

    /** One alert of one notification. */
    record Notification(String path, long receivedNanos, String status, Map<String, String> labels,
                        Map<String, String> annotations) {
        String label(String name) {
            return labels.getOrDefault(name, "");
        }
    }

    private final HttpServer server;
    private final List<Notification> received = new ArrayList<>();

    Webhook() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            long now = System.nanoTime();
            try (exchange) {
                JsonNode body = Dashboards.JSON.readTree(exchange.getRequestBody());
                String path = exchange.getRequestURI().getPath();
                synchronized (received) {
                    for (JsonNode a : body.path("alerts")) {
                        received.add(new Notification(path, now, a.path("status").asText(), strings(a.path("labels")),
                                strings(a.path("annotations"))));
                    }
                    received.notifyAll();
                }
                exchange.sendResponseHeaders(200, -1);
            }
        });
        server.start();
    }

    private static Map<String, String> strings(JsonNode n) {
        Map<String, String> m = new TreeMap<>();
        n.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
        return m;
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The first notification matching, waiting up to {@code timeout} for it. */
    Optional<Notification> await(Predicate<Notification> match, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (received) {
            while (true) {
                for (Notification n : received) if (match.test(n)) return Optional.of(n);
                long left = deadline - System.nanoTime();
                if (left <= 0) return Optional.empty();
                received.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    List<Notification> all() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
