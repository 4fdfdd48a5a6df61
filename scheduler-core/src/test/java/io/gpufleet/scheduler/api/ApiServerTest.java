package io.gpufleet.scheduler.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The REST API over real HTTP on a free loopback port: jobs, nodes, quotas, what-if, every 4xx and the auth matrix. */
class ApiServerTest {
    static final String ADMIN = "admin-token-0001", ALICE = "alice-token-0001", BOB = "bob-token-00001";
    @TempDir
    static Path dir;
    static SchedulerServer server;
    static Http http;

    static Path tokens(Path dir) throws Exception {
        Path f = dir.resolve("tokens.yaml");
        Files.writeString(f, """
                tokens:
                  - {token: %s, user: root, role: admin}
                  - {token: %s, user: alice, role: user, namespaces: [team-a]}
                  - {token: %s, user: bob, role: user, namespaces: [team-b]}
                """.formatted(ADMIN, ALICE, BOB));
        return f;
    }

    @BeforeAll
    static void start() throws Exception {
        server = SchedulerServer.start(new ServerConfig(0, "127.0.0.1", tokens(dir), null, null, false, "gpufleet", 4, 7,
                4096, java.time.Duration.ofMillis(50), false));
        http = new Http("http://127.0.0.1:" + server.port());
    }

    /** Each test leaves the cluster empty, whatever it asserted. */
    @org.junit.jupiter.api.AfterEach
    void clean() {
        for (JsonNode j : http.get("/api/v1/jobs", ADMIN).json().path("items")) http.delete("/api/v1/jobs/" + j.path("id").asText(), ADMIN);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static String job(String name, String ns, String extra) {
        return "{\"name\":\"" + name + "\",\"namespace\":\"" + ns + "\"" + extra + "}";
    }

    @Test
    void healthMetricsAndOpenApiAreOpen() throws Exception {
        assertEquals(200, http.get("/healthz", null).status());
        assertEquals(200, http.get("/readyz", null).status());
        Http.Res m = http.get("/metrics", null);
        assertEquals(200, m.status());
        assertTrue(m.body().contains("gpufleet_scheduler_queue_pods"), m.body());
        assertTrue(m.body().contains("gpufleet_scheduler_gpus_fragmented "), m.body());
        assertTrue(m.body().contains("gpufleet_scheduler_fragmentation_ratio "), m.body());
        Http.Res o = http.get("/api/v1/openapi.json", null);
        assertEquals(200, o.status());
        JsonNode doc = o.json();
        assertTrue(doc.path("openapi").asText().startsWith("3."));
        for (String p : List.of("/api/v1/jobs", "/api/v1/jobs/{namespace}/{name}", "/api/v1/nodes", "/api/v1/quotas",
                "/api/v1/quotas/{name}", "/api/v1/whatif", "/scheduler/filter", "/scheduler/prioritize", "/scheduler/bind",
                "/scheduler/preempt")) {
            assertTrue(doc.path("paths").has(p), "openapi documents " + p);
        }
    }

    @Test
    void submitsSinglePodMultiGpuAndGangWithPlacement() {
        Http.Res one = http.post("/api/v1/jobs", ALICE, job("one", "team-a", ",\"resources\":{\"nvidia.com/gpu\":\"1\",\"cpu\":\"2\"}"));
        assertEquals(201, one.status(), one.body());
        JsonNode j = one.json();
        assertEquals("Running", j.path("phase").asText());
        assertEquals("pod", j.path("kind").asText());
        assertEquals("team-a", j.path("quotaGroup").asText(), "default quota group of the namespace");
        assertEquals(1, j.path("pods").get(0).path("gpus").size());
        assertFalse(j.path("pods").get(0).path("node").asText().isEmpty());

        Http.Res multi = http.post("/api/v1/jobs", ALICE, job("multi", "team-a", ",\"resources\":{\"nvidia.com/gpu\":\"4\"}"));
        assertEquals(201, multi.status(), multi.body());
        assertEquals("multi-gpu", multi.json().path("kind").asText());
        assertEquals(4, multi.json().path("pods").get(0).path("gpus").size());

        Http.Res gang = http.post("/api/v1/jobs", BOB, job("gang", "team-b",
                ",\"replicas\":3,\"gang\":{\"minMember\":3},\"resources\":{\"nvidia.com/gpu\":\"2\"}"));
        assertEquals(201, gang.status(), gang.body());
        JsonNode g = gang.json();
        assertEquals("gang", g.path("kind").asText());
        assertEquals("Running", g.path("phase").asText(), g.toString());
        assertEquals(3, g.path("pods").size());
        for (JsonNode p : g.path("pods")) assertEquals("Bound", p.path("phase").asText());

        // get shows the same placement; delete frees the GPUs on the node
        Http.Res got = http.get("/api/v1/jobs/team-a/multi", ALICE);
        assertEquals(200, got.status());
        String node = got.json().path("pods").get(0).path("node").asText();
        double before = http.get("/api/v1/nodes/" + node, ADMIN).json().path("gpuAllocated").asDouble();
        assertEquals(200, http.delete("/api/v1/jobs/team-a/multi", ALICE).status());
        assertEquals(404, http.get("/api/v1/jobs/team-a/multi", ALICE).status());
        double after = http.get("/api/v1/nodes/" + node, ADMIN).json().path("gpuAllocated").asDouble();
        assertEquals(before - 4, after, 1e-9);
        http.delete("/api/v1/jobs/team-a/one", ALICE);
        http.delete("/api/v1/jobs/team-b/gang", BOB);
    }

    @Test
    void pendingJobSaysWhyItWaits() {
        Http.Res r = http.post("/api/v1/jobs", ALICE, job("nomodel", "team-a",
                ",\"resources\":{\"nvidia.com/gpu\":\"1\"},\"gpuModels\":[\"B200\"]"));
        assertEquals(201, r.status(), r.body());
        JsonNode pod = r.json().path("pods").get(0);
        assertEquals("Pending", pod.path("phase").asText());
        assertTrue(pod.path("reason").asText().contains("B200"), pod.toString());
        Http.Res big = http.post("/api/v1/jobs", ALICE, job("toobig", "team-a", ",\"resources\":{\"cpu\":\"1000\"}"));
        JsonNode bp = big.json().path("pods").get(0);
        assertEquals("Pending", bp.path("phase").asText());
        assertTrue(bp.path("rejections").size() > 0, "per-reason node counts: " + bp);
        http.delete("/api/v1/jobs/team-a/nomodel", ALICE);
        http.delete("/api/v1/jobs/team-a/toobig", ALICE);
    }

    @Test
    void everyBadRequestIsA4xxNamingTheProblemAndChangesNothing() {
        String nodesBefore = http.get("/api/v1/nodes", ADMIN).body();
        List<Object[]> cases = new ArrayList<>();
        cases.add(new Object[]{"{\"name\":\"x\",", 400, "malformed JSON"});
        cases.add(new Object[]{"[1,2]", 400, "body"});
        cases.add(new Object[]{job("x", "team-a", ",\"resources\":{\"cpu\":\"1\"},\"colour\":\"red\""), 400, "unknown field 'colour'"});
        cases.add(new Object[]{job("x", "team-a", ",\"resources\":{\"cpu\":\"1\"},\"gang\":{\"size\":2}"), 400, "unknown field 'gang.size'"});
        cases.add(new Object[]{job("x", "team-a", ",\"replicas\":\"two\",\"resources\":{\"cpu\":\"1\"}"), 400, "replicas"});
        cases.add(new Object[]{job("x", "team-a", ",\"replicas\":1.5,\"resources\":{\"cpu\":\"1\"}"), 400, "replicas"});
        cases.add(new Object[]{job("x", "team-a", ",\"resources\":[\"cpu\"]"), 400, "resources"});
        cases.add(new Object[]{"{\"name\":7,\"namespace\":\"team-a\",\"resources\":{\"cpu\":\"1\"}}", 400, "name"});
        cases.add(new Object[]{job("x", "team-a", ",\"replicas\":-1,\"resources\":{\"cpu\":\"1\"}"), 400, "replicas"});
        cases.add(new Object[]{job("x", "team-a", ",\"resources\":{\"nvidia.com/gpu\":\"-2\"}"), 400, "nvidia.com/gpu"});
        cases.add(new Object[]{job("x", "team-a", ",\"resources\":{\"memory\":\"-1Gi\"}"), 400, "memory"});
        cases.add(new Object[]{job("x", "team-a", ",\"resources\":{\"nvidia.com/gpu\":\"0.5\"}"), 400, "nvidia.com/gpu"});
        cases.add(new Object[]{job("x", "team-a", ",\"resources\":{\"example.com/foo\":\"1\"}"), 400, "example.com/foo"});
        cases.add(new Object[]{job("x", "team-a", ",\"resources\":{}"), 400, "resources"});
        cases.add(new Object[]{job("Bad_Name", "team-a", ",\"resources\":{\"cpu\":\"1\"}"), 400, "name"});
        cases.add(new Object[]{job("x", "team-a", ",\"replicas\":2,\"gang\":{\"minMember\":3},\"resources\":{\"cpu\":\"1\"}"), 400, "gang.minMember"});
        cases.add(new Object[]{job("x", "team-a", ",\"quotaGroup\":\"nope\",\"resources\":{\"cpu\":\"1\"}"), 400, "quotaGroup"});
        cases.add(new Object[]{"{\"namespace\":\"team-a\",\"resources\":{\"cpu\":\"1\"}}", 400, "name"});
        cases.add(new Object[]{"", 400, "empty"});
        for (Object[] c : cases) {
            Http.Res r = http.post("/api/v1/jobs", ALICE, (String) c[0]);
            assertEquals((int) c[1], r.status(), c[0] + " -> " + r.body());
            assertTrue(r.contentType().startsWith("application/json"), r.contentType());
            assertEquals((int) c[1], r.json().path("status").asInt());
            assertTrue(r.message().contains((String) c[2]), c[0] + " -> message should name '" + c[2] + "': " + r.message());
        }
        // over the body limit (4 KiB in this server)
        Http.Res big = http.post("/api/v1/jobs", ALICE, job("x", "team-a", ",\"dataset\":\"" + "d".repeat(8000) + "\",\"resources\":{\"cpu\":\"1\"}"));
        assertEquals(413, big.status(), big.body());
        assertTrue(big.message().contains("larger than"), big.body());
        // wrong media type, unknown job, unknown endpoint, wrong method
        assertEquals(415, http.send("POST", "/api/v1/jobs", ALICE, "name=x", "application/x-www-form-urlencoded").status());
        Http.Res unknown = http.get("/api/v1/jobs/team-a/ghost", ALICE);
        assertEquals(404, unknown.status());
        assertTrue(unknown.message().contains("team-a/ghost"));
        assertEquals(404, http.delete("/api/v1/jobs/team-a/ghost", ALICE).status());
        assertEquals(404, http.get("/api/v1/nope", ALICE).json().path("status").asInt());
        assertEquals(405, http.send("PATCH", "/api/v1/jobs", ALICE, "{}").status());
        // bad quota bodies (admin)
        assertEquals(400, http.put("/api/v1/quotas/q1", ADMIN, "{\"min\":{\"gpus\":-1}}").status());
        assertTrue(http.put("/api/v1/quotas/q1", ADMIN, "{\"min\":{\"gpus\":4},\"max\":{\"gpus\":2}}").message().contains("min"));
        assertTrue(http.put("/api/v1/quotas/q1", ADMIN, "{\"parent\":\"nobody\"}").message().contains("nobody"));
        assertTrue(http.put("/api/v1/quotas/q1", ADMIN, "{\"min\":{\"gpus\":\"4\"}}").message().contains("min.gpus"));
        // nothing was applied
        assertEquals(0, http.get("/api/v1/jobs", ADMIN).json().path("items").size());
        assertEquals(404, http.get("/api/v1/quotas/q1", ADMIN).status());
        assertEquals(nodesBefore, http.get("/api/v1/nodes", ADMIN).body());
    }

    @Test
    void authMatrix() {
        // missing or wrong token
        for (String path : List.of("/api/v1/jobs", "/api/v1/nodes", "/api/v1/quotas")) {
            Http.Res r = http.get(path, null);
            assertEquals(401, r.status(), path);
            assertEquals("unauthorized", r.json().path("error").asText());
            assertEquals(401, http.get(path, "not-a-token").status(), path);
        }
        assertEquals(401, http.post("/api/v1/jobs", null, job("a", "team-a", ",\"resources\":{\"cpu\":\"1\"}")).status());
        assertEquals(401, http.post("/scheduler/filter", null, "{}").status());
        assertEquals(403, http.post("/scheduler/filter", ALICE, "{}").status(), "extender needs an admin token");

        // tenant isolation
        assertEquals(201, http.post("/api/v1/jobs", BOB, job("secret", "team-b", ",\"resources\":{\"cpu\":\"1\"}")).status());
        Http.Res cross = http.post("/api/v1/jobs", ALICE, job("sneaky", "team-b", ",\"resources\":{\"cpu\":\"1\"}"));
        assertEquals(403, cross.status());
        assertTrue(cross.message().contains("team-b"));
        assertEquals(404, http.get("/api/v1/jobs/team-b/secret", ALICE).status(), "another tenant's job looks missing");
        assertEquals(404, http.delete("/api/v1/jobs/team-b/secret", ALICE).status());
        assertEquals(200, http.get("/api/v1/jobs/team-b/secret", BOB).status(), "still there after alice's delete");
        assertEquals(0, http.get("/api/v1/jobs", ALICE).json().path("items").size());
        assertEquals(1, http.get("/api/v1/jobs", BOB).json().path("items").size());
        assertEquals(1, http.get("/api/v1/jobs", ADMIN).json().path("items").size());
        Http.Res other = http.post("/api/v1/jobs", ALICE, job("q", "team-a", ",\"quotaGroup\":\"team-b\",\"resources\":{\"cpu\":\"1\"}"));
        assertEquals(403, other.status(), "alice may not charge team-b's quota");

        // quotas: users see their own groups (and ancestors), only admins change them
        JsonNode aq = http.get("/api/v1/quotas", ALICE).json().path("items");
        List<String> names = new ArrayList<>();
        aq.forEach(q -> names.add(q.path("name").asText()));
        assertEquals(List.of("research", "team-a"), names);
        assertEquals(404, http.get("/api/v1/quotas/team-b", ALICE).status());
        assertEquals(403, http.put("/api/v1/quotas/team-a", ALICE, "{\"parent\":\"research\",\"namespace\":\"team-a\",\"max\":{\"gpus\":100}}").status());
        assertEquals(403, http.delete("/api/v1/quotas/team-a", ALICE).status());
        assertEquals(403, http.put("/api/v1/nodes/node-0/gpus/0/health", ALICE, "{\"healthy\":false}").status());
        Http.Res put = http.put("/api/v1/quotas/team-c", ADMIN, "{\"parent\":\"research\",\"namespace\":\"team-c\",\"max\":{\"gpus\":4}}");
        assertEquals(200, put.status(), put.body());
        assertEquals(4.0, put.json().path("max").path("gpus").asDouble());
        assertTrue(http.get("/metrics", null).body().contains("group=\"team-c\""));
        assertEquals(200, http.delete("/api/v1/quotas/team-c", ADMIN).status());
        assertFalse(http.get("/metrics", null).body().contains("group=\"team-c\""), "a deleted group leaves the metrics");
        assertEquals(409, http.delete("/api/v1/quotas/research", ADMIN).status(), "has children");
        assertEquals(200, http.delete("/api/v1/jobs/team-b/secret", BOB).status());
    }

    @Test
    void quotaViewShowsUsedAndBorrowed() {
        Http.Res r = http.post("/api/v1/jobs", ALICE, job("borrow", "team-a", ",\"replicas\":2,\"resources\":{\"nvidia.com/gpu\":\"8\"}"));
        assertEquals(201, r.status(), r.body());
        assertEquals("Running", r.json().path("phase").asText(), r.body());
        JsonNode q = http.get("/api/v1/quotas/team-a", ALICE).json();
        assertEquals(16.0, q.path("used").path("gpus").asDouble(), q.toString());
        assertEquals(8.0, q.path("borrowed").path("gpus").asDouble(), "min is 8 of the 32 GPUs: " + q);
        assertEquals(16.0, http.get("/api/v1/quotas/research", ALICE).json().path("used").path("gpus").asDouble());
        // a max below what runs now is refused, the tree stays as it was
        Http.Res shrink = http.put("/api/v1/quotas/team-a", ADMIN, "{\"parent\":\"research\",\"namespace\":\"team-a\",\"min\":{\"gpus\":2},\"max\":{\"gpus\":4}}");
        assertEquals(409, shrink.status(), shrink.body());
        assertEquals(24.0, http.get("/api/v1/quotas/team-a", ALICE).json().path("max").path("gpus").asDouble());
        String metrics = http.get("/metrics", null).body();
        assertTrue(metrics.contains("gpufleet_scheduler_quota_used_gpus{group=\"team-a\"} 16.0"), metrics);
        assertTrue(metrics.contains("gpufleet_scheduler_decisions_total{outcome=\"bound\"}"), metrics);
        assertTrue(metrics.contains("gpufleet_scheduler_http_request_seconds_bucket"), metrics);
        assertTrue(metrics.contains("gpufleet_scheduler_quota_pending_pods{group=\"team-a\"} 0.0"), metrics);

        Http.Res over = http.post("/api/v1/jobs", ALICE, job("over", "team-a", ",\"replicas\":2,\"resources\":{\"nvidia.com/gpu\":\"8\"}"));
        assertEquals("Partial", over.json().path("phase").asText(), "one replica fits under team-a's max of 24: " + over.body());
        metrics = http.get("/metrics", null).body();
        assertTrue(metrics.contains("gpufleet_scheduler_quota_pending_pods{group=\"team-a\"} 1.0"), metrics);
        assertTrue(metrics.contains("gpufleet_scheduler_quota_pending_pods{group=\"team-b\"} 0.0"), metrics);
        assertTrue(metrics.contains("gpufleet_scheduler_gang_longest_wait_seconds 0.0"), "no gang queued: " + metrics);
        assertTrue(metrics.contains("gpufleet_scheduler_gang_timeouts_total 0.0"), metrics);
        assertTrue(metrics.contains("gpufleet_scheduler_gang_reserved_nodes 0.0"), metrics);
        http.delete("/api/v1/jobs/team-a/over", ALICE);
        http.delete("/api/v1/jobs/team-a/borrow", ALICE);
    }

    @Test
    void gpuHealthTakesAGpuOutOfThePool() {
        JsonNode n = http.get("/api/v1/nodes/node-1", ADMIN).json();
        assertEquals(8, n.path("gpus").size());
        Http.Res r = http.put("/api/v1/nodes/node-1/gpus/3/health", ADMIN, "{\"healthy\":false}");
        assertEquals(200, r.status(), r.body());
        assertFalse(http.get("/api/v1/nodes/node-1", ADMIN).json().path("gpus").get(3).path("healthy").asBoolean());
        assertEquals(400, http.put("/api/v1/nodes/node-1/gpus/99/health", ADMIN, "{\"healthy\":false}").status());
        assertEquals(404, http.put("/api/v1/nodes/nope/gpus/0/health", ADMIN, "{\"healthy\":false}").status());
        assertEquals(200, http.put("/api/v1/nodes/node-1/gpus/3/health", ADMIN, "{\"healthy\":true}").status());
    }
}
