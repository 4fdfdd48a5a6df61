package io.gpufleet.exporter.sim;

import io.gpufleet.contracts.time.ManualClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.gpufleet.exporter.source.GpuEvent;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SimulationHttpHandlerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        // the JDK server writes headers and body in two packets; without TCP_NODELAY each exchange waits
        // out a delayed ACK (~40 ms). Takes effect when no server was created earlier in this JVM.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private final ManualClock clock = new ManualClock();
    private final SimulatedFleet fleet = SimulatedFleet.create(
            SimulationConfig.defaults().withNodes(4).withBackgroundLoad(false), clock);
    private HttpServer server;
    private HttpClient client;
    private String base;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/sim", new SimulationHttpHandler(fleet));
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort() + "/sim";
        client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private record Reply(int status, JsonNode body, HttpResponse<String> raw) {}

    private Reply call(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10));
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("Content-Type", "application/json");
        HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        return new Reply(r.statusCode(), JSON.readTree(r.body()), r);
    }

    private void assertError(int status, String field, Reply r) {
        assertEquals(status, r.status(), r.body().toString());
        assertTrue(r.body().path("error").asText().length() > 0, r.body().toString());
        if (field == null) {
            assertTrue(r.body().path("field").isNull(), r.body().toString());
        } else {
            assertEquals(field, r.body().path("field").asText(), r.body().toString());
        }
    }

    @Test
    void listsNodesGpusModelsWorkAndFaults() throws Exception {
        fleet.startWork("sim-node-01", 3, new Workload("team-a", "train-7", "main", 0.7, 1L << 30));
        fleet.inject("sim-node-02", 5, new Fault.ThermalSlowdown(Duration.ofMinutes(1)));
        clock.advance(Duration.ofSeconds(10));
        Reply r = call("GET", "/nodes", null);
        assertEquals(200, r.status());
        assertEquals(42, r.body().get("seed").asLong());
        assertEquals(32, r.body().get("gpus").asInt());
        JsonNode nodes = r.body().get("nodes");
        assertEquals(4, nodes.size());
        JsonNode n0 = nodes.get(0);
        assertEquals("sim-node-00", n0.get("name").asText());
        assertEquals("NVIDIA H100 80GB HBM3", n0.get("model").asText());
        assertEquals("nvswitch", n0.get("shape").asText());
        assertEquals(8, n0.get("gpus").size());
        assertEquals(fleet.nodes().get(0).gpus().get(0).uuid(), n0.get("gpus").get(0).get("uuid").asText());
        JsonNode g13 = nodes.get(1).get("gpus").get(3);
        assertEquals("train-7", g13.get("work").get(0).get("pod").asText());
        assertTrue(g13.get("utilization").asDouble() > 0.6);
        JsonNode g25 = nodes.get(2).get("gpus").get(5);
        assertEquals("thermal", g25.get("faults").get(0).get("type").asText());
        assertEquals(60.0, g25.get("faults").get(0).get("durationSeconds").asDouble());
        assertEquals(405, call("POST", "/nodes", "{}").status());
    }

    @Test
    void startsAndStopsWorkloads() throws Exception {
        Reply r = call("POST", "/workloads", """
                {"node":"sim-node-00","gpu":2,"namespace":"ml","pod":"infer-1","container":"server",
                 "utilization":0.4,"memoryBytes":1073741824,"shareMemoryBytes":2147483648,"shareCoreMilli":500}""");
        assertEquals(201, r.status(), r.body().toString());
        String id = r.body().get("id").asText();
        List<RunningWork> work = fleet.work("sim-node-00");
        assertEquals(1, work.size());
        assertEquals(id, work.get(0).id());
        assertEquals(2, work.get(0).gpu());
        assertEquals(new Workload("ml", "infer-1", "server", 0.4, 1L << 30, 2L << 30, 500), work.get(0).workload());
        assertEquals(id, call("GET", "/workloads", null).body().get("workloads").get(0).get("id").asText());

        Reply stopped = call("DELETE", "/workloads/" + id, null);
        assertEquals(200, stopped.status());
        assertTrue(fleet.work().isEmpty());
        assertError(404, "id", call("DELETE", "/workloads/" + id, null));
        assertError(405, null, call("GET", "/workloads/" + id, null));
    }

    @Test
    void injectsEveryFaultTypeAndClears() throws Exception {
        String[] bodies = {
            "{\"node\":\"sim-node-00\",\"gpu\":0,\"type\":\"xid\",\"xid\":79}",
            "{\"node\":\"sim-node-00\",\"gpu\":1,\"type\":\"ecc_dbe\"}",
            "{\"node\":\"sim-node-00\",\"gpu\":2,\"type\":\"ecc_sbe\",\"count\":4}",
            "{\"node\":\"sim-node-00\",\"gpu\":3,\"type\":\"thermal\",\"durationSeconds\":120}",
            "{\"node\":\"sim-node-00\",\"gpu\":4,\"type\":\"fall_off_bus\"}",
            "{\"node\":\"sim-node-00\",\"gpu\":5,\"type\":\"memory_leak\",\"bytesPerSecond\":1048576}",
            "{\"node\":\"sim-node-00\",\"gpu\":6,\"type\":\"row_remap_failure\"}",
            "{\"node\":\"sim-node-00\",\"gpu\":7,\"type\":\"power_brake\",\"durationSeconds\":30}",
        };
        for (String b : bodies) {
            Reply r = call("POST", "/faults", b);
            assertEquals(200, r.status(), b + " -> " + r.body());
            assertEquals(JSON.readTree(b).get("type").asText(), r.body().get("fault").get("type").asText());
        }
        assertEquals(8, fleet.faults("sim-node-00").size());
        assertEquals(8, call("GET", "/faults", null).body().get("faults").size());
        List<GpuEvent> ev = fleet.nodes().get(0).awaitEvents(Duration.ZERO);
        assertTrue(ev.stream().anyMatch(e -> e.kind() == GpuEvent.Kind.XID && e.code() == 79 && e.gpuIndex() == 0));
        assertTrue(call("GET", "/nodes", null).body().get("nodes").get(0).get("gpus").get(0).get("lost").asBoolean());

        Reply cleared = call("DELETE", "/faults?node=sim-node-00&gpu=0", null);
        assertEquals(200, cleared.status());
        assertEquals(1, cleared.body().get("cleared").asInt());
        assertFalse(fleet.nodes().get(0).read(fleet.nodes().get(0).gpus().get(0)).lost());
        assertEquals(7, fleet.faults("sim-node-00").size());
    }

    @Test
    void badRequestsAnswer4xxNamingTheFieldAndChangeNothing() throws Exception {
        String ok = "\"node\":\"sim-node-00\",\"gpu\":0,\"namespace\":\"ns\",\"pod\":\"p\",\"utilization\":0.5,";
        assertError(400, "body", call("POST", "/workloads", "{\"node\": "));
        assertError(400, "body", call("POST", "/workloads", "[1,2]"));
        assertError(400, "body", call("POST", "/workloads", ""));
        assertError(400, "body", call("POST", "/workloads", "{\"pod\":\"a\",\"pod\":\"b\"}"));
        assertError(400, "color", call("POST", "/workloads", "{" + ok + "\"memoryBytes\":1,\"color\":\"red\"}"));
        assertError(400, "gpu", call("POST", "/workloads",
                "{\"node\":\"sim-node-00\",\"gpu\":\"two\",\"namespace\":\"ns\",\"pod\":\"p\",\"utilization\":0.5,"
                        + "\"memoryBytes\":1}"));
        assertError(400, "memoryBytes", call("POST", "/workloads", "{" + ok + "\"memoryBytes\":1.5}"));
        assertError(400, "memoryBytes", call("POST", "/workloads", "{" + ok.replace("0.5,", "0.5") + "}"));
        assertError(400, "node", call("POST", "/workloads",
                "{" + ok.replace("sim-node-00", "sim-node-42") + "\"memoryBytes\":1}"));
        assertError(400, "gpu", call("POST", "/workloads", "{" + ok.replace("\"gpu\":0", "\"gpu\":9")
                + "\"memoryBytes\":1}"));
        assertError(400, "utilization", call("POST", "/workloads", "{" + ok.replace("0.5", "1.5")
                + "\"memoryBytes\":1}"));
        assertError(400, "memoryBytes", call("POST", "/workloads", "{" + ok + "\"memoryBytes\":" + (200L << 30) + "}"));
        assertError(400, "shareCoreMilli", call("POST", "/workloads", "{" + ok + "\"memoryBytes\":1,\"shareCoreMilli\":5000000000}"));
        assertError(400, "shareCoreMilli", call("POST", "/workloads", "{" + ok + "\"memoryBytes\":1,\"shareCoreMilli\":1001}"));
        assertError(400, "namespace", call("POST", "/workloads", "{" + ok.replace("\"ns\"", "7") + "\"memoryBytes\":1}"));

        assertError(400, "type", call("POST", "/faults", "{\"node\":\"sim-node-00\",\"gpu\":0}"));
        assertError(400, "type", call("POST", "/faults", "{\"node\":\"sim-node-00\",\"gpu\":0,\"type\":\"meteor\"}"));
        assertError(400, "xid", call("POST", "/faults", "{\"node\":\"sim-node-00\",\"gpu\":0,\"type\":\"xid\"}"));
        assertError(400, "xid", call("POST", "/faults",
                "{\"node\":\"sim-node-00\",\"gpu\":0,\"type\":\"xid\",\"xid\":\"79\"}"));
        assertError(400, "xid", call("POST", "/faults",
                "{\"node\":\"sim-node-00\",\"gpu\":0,\"type\":\"xid\",\"xid\":0}"));
        assertError(400, "count", call("POST", "/faults",
                "{\"node\":\"sim-node-00\",\"gpu\":0,\"type\":\"ecc_dbe\",\"count\":2}"));
        assertError(400, "durationSeconds", call("POST", "/faults",
                "{\"node\":\"sim-node-00\",\"gpu\":0,\"type\":\"thermal\",\"durationSeconds\":-1}"));
        assertError(400, "bytesPerSecond", call("POST", "/faults",
                "{\"node\":\"sim-node-00\",\"gpu\":0,\"type\":\"memory_leak\"}"));
        assertError(400, "node", call("POST", "/faults", "{\"node\":\"gpu-1\",\"gpu\":0,\"type\":\"ecc_dbe\"}"));
        assertError(400, "gpu", call("POST", "/faults", "{\"node\":\"sim-node-00\",\"gpu\":8,\"type\":\"ecc_dbe\"}"));
        assertError(400, "fault", call("POST", "/faults",
                "{\"node\":\"sim-node-03\",\"gpu\":0,\"type\":\"row_remap_failure\"}"));

        assertError(400, "gpu", call("DELETE", "/faults?node=sim-node-00", null));
        assertError(400, "gpu", call("DELETE", "/faults?node=sim-node-00&gpu=x", null));
        assertError(400, "node", call("DELETE", "/faults?gpu=1", null));
        assertError(400, "node", call("DELETE", "/faults?node=nowhere&gpu=1", null));
        assertError(400, "force", call("DELETE", "/faults?node=sim-node-00&gpu=1&force=1", null));

        Reply wrongMethod = call("PUT", "/faults", "{}");
        assertError(405, null, wrongMethod);
        assertEquals("GET, POST, DELETE", wrongMethod.raw().headers().firstValue("Allow").orElse(""));
        assertError(405, null, call("DELETE", "/workloads", null));
        assertError(404, null, call("GET", "/nothing", null));

        String huge = "{\"node\":\"sim-node-00\",\"gpu\":0,\"type\":\"ecc_dbe\",\"pad\":\""
                + "x".repeat(SimulationHttpHandler.MAX_BODY_BYTES) + "\"}";
        assertError(413, "body", call("POST", "/faults", huge));
        // without a Content-Length (chunked) the limit holds while reading
        HttpRequest chunked = HttpRequest.newBuilder(URI.create(base + "/faults"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(
                        () -> new ByteArrayInputStream(huge.getBytes(StandardCharsets.UTF_8))))
                .build();
        HttpResponse<String> hr = client.send(chunked, HttpResponse.BodyHandlers.ofString());
        assertError(413, "body", new Reply(hr.statusCode(), JSON.readTree(hr.body()), hr));

        assertTrue(fleet.work().isEmpty());
        assertTrue(fleet.faults().isEmpty());
        assertTrue(fleet.nodes().get(0).awaitEvents(Duration.ZERO).isEmpty());
        // no id was used up by the rejected requests
        assertEquals("work-1", call("POST", "/workloads", "{" + ok + "\"memoryBytes\":1}").body().get("id").asText());
    }
}
