package io.gpufleet.platform.observe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reads dashboards/*.json: panels (rows' nested panels included), their queries, and template variables. */
final class Dashboards {
    private Dashboards() {}

    static final ObjectMapper JSON = new ObjectMapper();

    /** One panel target. */
    record Query(String dashboard, String panel, String refId, String expr) {}

    static JsonNode load(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : dashboard.path("panels")) {
            out.add(p);
            for (JsonNode nested : p.path("panels")) out.add(nested);
        }
        return out;
    }

    static List<Query> queries(JsonNode dashboard) {
        List<Query> out = new ArrayList<>();
        for (JsonNode p : panels(dashboard)) {
            for (JsonNode t : p.path("targets")) {
                out.add(new Query(dashboard.path("title").asText(), p.path("title").asText(), t.path("refId").asText(),
                        t.path("expr").asText()));
            }
        }
        return out;
    }

    /**
     * Replaces Grafana's variables in a query: the dashboard's own ({@code $node}, {@code ${node}}) from
     * {@code values}, and Grafana's built-in intervals with fixed ones.
     */
    static String substitute(String expr, Map<String, String> values) {
        String out = expr.replace("$__rate_interval", "1m").replace("$__interval", "15s").replace("$__range", "1h");
        for (Map.Entry<String, String> v : values.entrySet()) {
            out = out.replace("${" + v.getKey() + "}", v.getValue()).replace("$" + v.getKey(), v.getValue());
        }
        return out;
    }
}
