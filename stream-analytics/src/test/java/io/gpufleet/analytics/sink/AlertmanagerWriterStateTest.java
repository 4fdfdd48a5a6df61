package io.gpufleet.analytics.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.gpufleet.contracts.GpuFault;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.junit.jupiter.api.Test;

/** What the Alertmanager writer checkpoints, and what a writer restored from it posts. */
class AlertmanagerWriterStateTest {
    static final long T0 = 1_789_948_800_000L;

    static GpuFault fault(GpuFault.Kind kind, int gpu) {
        return GpuFault.active(kind, GpuFault.Severity.CRITICAL, "node-1", gpu, "GPU-" + gpu, "", "", "evidence",
                "reset_gpu", T0 + gpu);
    }

    @Test
    void firingAlertsAndUndeliveredResolutionsSurviveARestore() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        AlertmanagerSink down = new AlertmanagerSink("http://127.0.0.1:" + closedPort, Duration.ofMinutes(1));
        GpuFault ecc = fault(GpuFault.Kind.ECC_DOUBLE_BIT, 1);
        GpuFault xid = fault(GpuFault.Kind.XID_RESET_GPU, 2);
        GpuFault remap = fault(GpuFault.Kind.ROW_REMAP_FAILURE, 3);
        List<GpuFault> state;
        try (StatefulSinkWriter<GpuFault, GpuFault> w = down.createWriter(null)) {
            for (GpuFault f : List.of(ecc, xid, remap)) w.write(f, null);
            w.write(xid.resolve(T0 + 60_000, "quiet"), null); // cleared while Alertmanager cannot be reached
            state = w.snapshotState(1);
        }
        Map<String, GpuFault.Status> byId = new TreeMap<>();
        for (GpuFault f : state) byId.put(f.id(), f.status());
        assertEquals(Map.of(ecc.id(), GpuFault.Status.ACTIVE, xid.id(), GpuFault.Status.RESOLVED,
                remap.id(), GpuFault.Status.ACTIVE), byId);

        // The state goes through its serializer, as a checkpoint does.
        var ser = down.getWriterStateSerializer();
        List<GpuFault> restored = new ArrayList<>();
        for (GpuFault f : state) restored.add(ser.deserialize(ser.getVersion(), ser.serialize(f)));
        assertEquals(state, restored);

        ObjectMapper json = new ObjectMapper();
        ConcurrentLinkedQueue<JsonNode> posted = new ConcurrentLinkedQueue<>();
        HttpServer am = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 4);
        am.createContext("/api/v2/alerts", ex -> {
            for (JsonNode a : json.readTree(ex.getRequestBody())) posted.add(a);
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        am.start();
        AlertmanagerSink up = new AlertmanagerSink("http://127.0.0.1:" + am.getAddress().getPort(), Duration.ofMinutes(1));
        try (StatefulSinkWriter<GpuFault, GpuFault> w = up.restoreWriter(null, restored)) {
            long deadline = System.currentTimeMillis() + 5_000;
            // Once delivered, only the firing alerts remain in the state, to be re-sent.
            while (w.snapshotState(2).size() > 2 && System.currentTimeMillis() < deadline) Thread.sleep(20);
            assertEquals(2, w.snapshotState(2).size());
            assertTrue(w.snapshotState(2).stream().allMatch(GpuFault::isActive));
        } finally {
            am.stop(0);
        }
        Map<String, String> ends = new TreeMap<>();
        for (JsonNode a : posted) ends.put(a.at("/annotations/fault_id").asText(), a.at("/endsAt").asText());
        assertEquals(3, ends.size(), posted::toString);
        assertEquals(java.time.Instant.ofEpochMilli(T0 + 60_000).toString(), ends.get(xid.id()), "resolved when it cleared");
        assertTrue(java.time.Instant.parse(ends.get(ecc.id())).toEpochMilli() > System.currentTimeMillis(),
                "a firing alert ends ahead of now");
    }
}
