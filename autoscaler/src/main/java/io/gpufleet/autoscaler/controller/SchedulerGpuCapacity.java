package io.gpufleet.autoscaler.controller;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Free GPUs from scheduler-core's REST API: {@code GET /api/v1/nodes} (scheduler-core/API.md), whose
 * {@code gpusFree} counts healthy GPUs with nothing placed on them, and whose node labels say spot or on-demand
 * ({@link SpotNodes#isSpot}). Spoken to over plain HTTP and JSON, so the autoscaler does not link the scheduler.
 */
public final class SchedulerGpuCapacity implements GpuCapacity {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final URI nodes;
    private final Optional<String> token;
    private final Duration timeout;
    private final HttpClient http;

    /**
     * @param baseUrl scheduler API, e.g. {@code http://gpufleet-scheduler:8888}
     * @param token   bearer token (a user token suffices), empty when the API is open
     */
    public SchedulerGpuCapacity(URI baseUrl, Optional<String> token, Duration timeout) {
        String base = baseUrl.toString().replaceAll("/+$", "");
        this.nodes = URI.create(base + "/api/v1/nodes");
        this.token = token;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    @Override
    public FreeGpus snapshot() {
        HttpRequest.Builder req = HttpRequest.newBuilder(nodes).timeout(timeout).header("Accept", "application/json").GET();
        token.ifPresent(t -> req.header("Authorization", "Bearer " + t));
        HttpResponse<String> rsp;
        try {
            rsp = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException("scheduler " + nodes + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted reading " + nodes, e);
        }
        if (rsp.statusCode() != 200) {
            throw new IllegalStateException("scheduler " + nodes + " answered " + rsp.statusCode() + ": " + abbreviate(rsp.body()));
        }
        return parse(rsp.body());
    }

    /** Parses a {@code GET /api/v1/nodes} document. */
    static FreeGpus parse(String body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new IllegalStateException("scheduler nodes: malformed JSON: " + e.getMessage(), e);
        }
        JsonNode items = root == null ? null : root.get("items");
        if (items == null || !items.isArray()) throw new IllegalStateException("scheduler nodes: no 'items' array");
        List<FreeGpus.Node> out = new ArrayList<>();
        for (JsonNode n : items) {
            JsonNode name = n.get("name");
            JsonNode free = n.get("gpusFree");
            if (name == null || !name.isTextual() || free == null || !free.canConvertToInt()) {
                throw new IllegalStateException("scheduler nodes: item without 'name' or integer 'gpusFree'");
            }
            Map<String, String> labels = new HashMap<>();
            JsonNode l = n.get("labels");
            if (l != null && l.isObject()) l.fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
            out.add(new FreeGpus.Node(name.asText(), Math.max(0, free.asInt()), SpotNodes.isSpot(labels)));
        }
        return new FreeGpus(out);
    }

    private static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}
