package io.gpufleet.platform.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The dashboards' JSON shape: what Grafana needs to import them into any instance, and a tidy layout. */
class DashboardsTest {

    @Test
    void fiveDashboardsWithUniqueUidsAndTheCurrentSchema() {
        List<Path> files = ObserveFiles.dashboardFiles();
        assertEquals(List.of("fleet-overview.json", "node-gpu.json", "quotas-users.json", "scheduler-autoscaler.json",
                        "workloads.json"),
                files.stream().map(f -> f.getFileName().toString()).toList());
        Set<String> uids = new HashSet<>();
        for (Path f : files) {
            JsonNode d = Dashboards.load(f);
            assertTrue(uids.add(d.path("uid").asText()), f + ": uid");
            assertTrue(d.path("uid").asText().startsWith("gpufleet-"), f + ": uid " + d.path("uid"));
            assertEquals(41, d.path("schemaVersion").asInt(), f + ": schemaVersion");
            assertTrue(d.path("id").isMissingNode() || d.path("id").isNull(), f + ": no instance-specific id");
        }
    }

    @Test
    void everyPanelAndQueryReadsTheDatasourceVariable() {
        for (Path f : ObserveFiles.dashboardFiles()) {
            JsonNode d = Dashboards.load(f);
            JsonNode vars = d.path("templating").path("list");
            JsonNode ds = vars.get(0);
            assertEquals("datasource", ds.path("name").asText(), f + ": first variable");
            assertEquals("datasource", ds.path("type").asText(), f.toString());
            assertEquals("prometheus", ds.path("query").asText(), f.toString());
            for (JsonNode v : vars) {
                if (v.path("type").asText().equals("query")) {
                    assertEquals("${datasource}", v.path("datasource").path("uid").asText(), f + ": variable " + v.path("name"));
                }
            }
            for (JsonNode p : Dashboards.panels(d)) {
                if (p.path("type").asText().equals("row")) continue;
                String where = f.getFileName() + " / " + p.path("title").asText();
                assertEquals("${datasource}", p.path("datasource").path("uid").asText(), where);
                assertTrue(p.path("targets").size() > 0, where + ": no query");
                for (JsonNode t : p.path("targets")) {
                    assertEquals("${datasource}", t.path("datasource").path("uid").asText(), where);
                    assertFalse(t.path("expr").asText().isBlank(), where + ": empty expr");
                }
            }
        }
    }

    @Test
    void panelsHaveUniqueIdsAndDoNotOverlap() {
        for (Path f : ObserveFiles.dashboardFiles()) {
            JsonNode d = Dashboards.load(f);
            Set<Integer> ids = new HashSet<>();
            Set<String> cells = new HashSet<>();
            for (JsonNode p : Dashboards.panels(d)) {
                assertTrue(ids.add(p.path("id").asInt()), f + ": duplicate panel id " + p.path("id"));
                JsonNode g = p.path("gridPos");
                int x = g.path("x").asInt(), y = g.path("y").asInt(), w = g.path("w").asInt(), h = g.path("h").asInt();
                assertTrue(w > 0 && h > 0 && x >= 0 && x + w <= 24, f + ": " + p.path("title") + " gridPos " + g);
                for (int i = x; i < x + w; i++) {
                    for (int j = y; j < y + h; j++) {
                        assertTrue(cells.add(i + "," + j), f + ": " + p.path("title") + " overlaps another panel");
                    }
                }
            }
        }
    }

    @Test
    void nodeAndGpuDashboardHasNodeAndGpuVariablesThatItsPanelsUse() {
        JsonNode d = Dashboards.load(ObserveFiles.dashboards().resolve("node-gpu.json"));
        List<String> names = new java.util.ArrayList<>();
        d.path("templating").path("list").forEach(v -> names.add(v.path("name").asText()));
        assertEquals(List.of("datasource", "node", "gpu"), names);
        long perGpu = Dashboards.queries(d).stream().filter(q -> q.expr().contains("gpu=\"$gpu\"")).count();
        assertTrue(perGpu >= 20, "per-GPU queries: " + perGpu);
        for (Dashboards.Query q : Dashboards.queries(d)) {
            assertTrue(q.expr().contains("node=\"$node\""), q + " is not limited to the chosen node");
        }
    }

    @Test
    void quotasDashboardFiltersEveryQueryByGroupAndItsUserQueriesByUser() {
        JsonNode d = Dashboards.load(ObserveFiles.dashboards().resolve("quotas-users.json"));
        List<String> names = new java.util.ArrayList<>();
        d.path("templating").path("list").forEach(v -> names.add(v.path("name").asText()));
        assertEquals(List.of("datasource", "group", "user"), names);
        for (Dashboards.Query q : Dashboards.queries(d)) {
            assertTrue(q.expr().contains("group=~\"$group\""), q + " is not limited to the chosen groups");
            if (q.expr().contains("user")) assertTrue(q.expr().contains("user=~\"$user\""), q + " is not limited to the chosen users");
        }
    }

    @Test
    void autoscalerPanelsFilterByPolicy() {
        JsonNode d = Dashboards.load(ObserveFiles.dashboards().resolve("scheduler-autoscaler.json"));
        long autoscaler = 0;
        for (Dashboards.Query q : Dashboards.queries(d)) {
            if (!q.expr().contains("gpufleet_autoscaler_")) continue;
            autoscaler++;
            assertTrue(q.expr().contains("policy=~\"$policy\""), q + " is not limited to the chosen policies");
        }
        assertTrue(autoscaler >= 8, "autoscaler queries: " + autoscaler);
    }

    @Test
    void substitutionReplacesVariablesAndGrafanaIntervals() {
        String e = Dashboards.substitute("rate(x{node=\"$node\",gpu=\"${gpu}\",ns=~\"$namespace\"}[$__rate_interval])",
                Map.of("node", "n1", "gpu", "3", "namespace", "ml"));
        assertEquals("rate(x{node=\"n1\",gpu=\"3\",ns=~\"ml\"}[1m])", e);
    }

    @Test
    void provisioningLoadsTheFolder() {
        @SuppressWarnings("unchecked")
        Map<String, Object> doc = (Map<String, Object>) ObserveFiles.yaml(ObserveFiles.dashboards().resolve("provisioning/dashboards.yaml"));
        assertEquals(1, ((Number) doc.get("apiVersion")).intValue());
        @SuppressWarnings("unchecked")
        Map<String, Object> provider = ((List<Map<String, Object>>) doc.get("providers")).get(0);
        assertEquals("file", provider.get("type"));
        assertEquals("gpufleet", provider.get("folder"));
    }
}
