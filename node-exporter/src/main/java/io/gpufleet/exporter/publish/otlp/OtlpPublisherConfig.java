package io.gpufleet.exporter.publish.otlp;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Configuration of the {@link OtlpMetricsPublisher}, validated when built; errors name the option.
 *
 * @param node            host name: the SDK's resource ({@code host.name}), one per provider
 * @param endpoint        collector URL; default {@code http://localhost:4317} (grpc) or
 *                        {@code http://localhost:4318/v1/metrics} (http/protobuf; {@code /v1/metrics} is added
 *                        to an endpoint without a path)
 * @param protocol        {@link Protocol#GRPC} or {@link Protocol#HTTP_PROTOBUF}
 * @param exportInterval  how often metrics are pushed: the exporter's collection interval
 * @param timeout         one export's time limit (connect included); default 5 s
 * @param closeTimeout    how long {@code close()} waits for the final export; default 2 s
 * @param compression     {@code none} or {@code gzip}; default none
 * @param headers         extra request headers (e.g. an API key)
 */
public record OtlpPublisherConfig(String node, String endpoint, Protocol protocol, Duration exportInterval,
                                  Duration timeout, Duration closeTimeout, String compression,
                                  Map<String, String> headers) {

    /** OTLP transport. */
    public enum Protocol {
        GRPC("grpc"), HTTP_PROTOBUF("http/protobuf");

        private final String label;

        Protocol(String label) {
            this.label = label;
        }

        /** The name OpenTelemetry uses ({@code OTEL_EXPORTER_OTLP_PROTOCOL}). */
        public String label() {
            return label;
        }

        /** Parses {@code grpc} or {@code http/protobuf} (as in OTEL_EXPORTER_OTLP_PROTOCOL). */
        public static Protocol parse(String s) {
            for (Protocol p : values()) if (p.label.equalsIgnoreCase(String.valueOf(s).strip())) return p;
            throw bad("protocol", "must be grpc or http/protobuf", s);
        }
    }

    public static final String DEFAULT_GRPC_ENDPOINT = "http://localhost:4317";
    public static final String DEFAULT_HTTP_ENDPOINT = "http://localhost:4318/v1/metrics";
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(2);

    public OtlpPublisherConfig {
        if (node == null || node.isBlank()) throw bad("node", "must not be blank", node);
        if (protocol == null) throw bad("protocol", "must be grpc or http/protobuf", null);
        if (endpoint == null || endpoint.isBlank()) {
            endpoint = protocol == Protocol.GRPC ? DEFAULT_GRPC_ENDPOINT : DEFAULT_HTTP_ENDPOINT;
        }
        URI uri;
        try {
            uri = URI.create(endpoint.strip());
        } catch (IllegalArgumentException e) {
            throw bad("endpoint", "is not a URL (" + e.getMessage() + ")", endpoint);
        }
        if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                || uri.getHost() == null) {
            throw bad("endpoint", "must be an http:// or https:// URL with a host", endpoint);
        }
        endpoint = uri.toString();
        if (protocol == Protocol.HTTP_PROTOBUF && (uri.getPath() == null || uri.getPath().isEmpty() || uri.getPath().equals("/"))) {
            endpoint = endpoint.replaceAll("/$", "") + "/v1/metrics";
        }
        positive("exportInterval", exportInterval);
        positive("timeout", timeout);
        if (closeTimeout == null || closeTimeout.isNegative()) throw bad("closeTimeout", "must be zero or positive", closeTimeout);
        compression = compression == null ? "none" : compression.strip().toLowerCase(Locale.ROOT);
        if (!compression.equals("none") && !compression.equals("gzip")) throw bad("compression", "must be none or gzip", compression);
        headers = Map.copyOf(Objects.requireNonNullElse(headers, Map.of()));
        for (String k : headers.keySet()) {
            if (k.isBlank()) throw bad("headers", "names must not be blank", headers);
        }
    }

    /** Defaults for {@code node} pushing every {@code exportInterval} with {@code protocol} to its default endpoint. */
    public static OtlpPublisherConfig defaults(String node, Protocol protocol, Duration exportInterval) {
        return new OtlpPublisherConfig(node, null, protocol, exportInterval, DEFAULT_TIMEOUT, DEFAULT_CLOSE_TIMEOUT,
                "none", Map.of());
    }

    public OtlpPublisherConfig withEndpoint(String e) {
        return new OtlpPublisherConfig(node, e, protocol, exportInterval, timeout, closeTimeout, compression, headers);
    }

    public OtlpPublisherConfig withTimeout(Duration d) {
        return new OtlpPublisherConfig(node, endpoint, protocol, exportInterval, d, closeTimeout, compression, headers);
    }

    public OtlpPublisherConfig withCloseTimeout(Duration d) {
        return new OtlpPublisherConfig(node, endpoint, protocol, exportInterval, timeout, d, compression, headers);
    }

    public OtlpPublisherConfig withCompression(String c) {
        return new OtlpPublisherConfig(node, endpoint, protocol, exportInterval, timeout, closeTimeout, c, headers);
    }

    public OtlpPublisherConfig withHeaders(Map<String, String> h) {
        return new OtlpPublisherConfig(node, endpoint, protocol, exportInterval, timeout, closeTimeout, compression, h);
    }

    private static void positive(String option, Duration d) {
        if (d == null || d.isZero() || d.isNegative()) throw bad(option, "must be a positive duration", d);
    }

    private static IllegalArgumentException bad(String option, String why, Object value) {
        return new IllegalArgumentException("otlp publisher option '" + option + "' " + why + ", was: " + value);
    }
}
