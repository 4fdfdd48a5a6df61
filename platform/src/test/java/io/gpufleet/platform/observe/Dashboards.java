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
     * A template variable. For {@code query} variables {@code query} is the Prometheus variable query (e.g.
     * {@code label_values(gpufleet_gpu_info{node="$node"}, gpu)}); for {@code custom} ones the comma-separated values.
     * {@code includeAll}: the variable offers "All", which Grafana selects when nothing is saved; {@code allValue} its
     * value (empty: Grafana joins every value into a regex).
     */
    record Variable(String dashboard, String name, String type, String query, boolean includeAll, String allValue) {}

    /** The dashboard's template variables in their order (later ones may use earlier ones); the datasource is left out. */
    static List<Variable> variables(JsonNode dashboard) {
        List<Variable> out = new ArrayList<>();
        for (JsonNode v : dashboard.path("templating").path("list")) {
            String type = v.path("type").asText();
            if (type.equals("datasource")) continue;
            JsonNode q = v.path("query");
            String query = q.isObject() ? q.path("query").asText() : q.asText();
            out.add(new Variable(dashboard.path("title").asText(), v.path("name").asText(), type, query,
                    v.path("includeAll").asBoolean(false), v.path("allValue").asText("")));
        }
        return out;
    }

    /** {@code label_values(selector, label)} or {@code label_values(label)}: the selector (may be empty) and the label. */
    static java.util.Optional<String[]> labelValues(String query) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^\\s*label_values\\((.*?)(?:,\\s*)?([a-zA-Z_][a-zA-Z0-9_]*)\\s*\\)\\s*$")
                .matcher(query);
        if (!m.matches()) return java.util.Optional.empty();
        return java.util.Optional.of(new String[] {m.group(1).trim(), m.group(2)});
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
