package io.gpufleet.scheduler.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * kube-scheduler extender round trips over HTTP with kube-scheduler-shaped payloads: capitalised keys as the Go
 * types without JSON tags produce, and the lower-case spelling, which must give the same answers.
 */
class ExtenderTest {
    static SchedulerServer server;
    static Http http;

    @BeforeAll
    static void start() {
        server = SchedulerServer.start(new ServerConfig(0, "127.0.0.1", null, null, null, false, "gpufleet", 4, 11,
                1 << 20, Duration.ofMillis(50), true));
        http = new Http("http://127.0.0.1:" + server.port());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** A v1.Pod as kube-scheduler serialises it (standard lower-case keys inside the pod). */
    static String pod(String name, String uid, int gpus) {
        return """
                {"metadata":{"name":"%s","namespace":"team-a","uid":"%s","labels":{"app":"train"},"annotations":{}},
                 "spec":{"schedulerName":"default-scheduler","priority":0,
                  "containers":[{"name":"main","image":"pytorch","resources":{"requests":{"nvidia.com/gpu":"%d","cpu":"4","memory":"16Gi"},"limits":{"nvidia.com/gpu":"%d"}}},
                                {"name":"sidecar","image":"log","resources":{"requests":{"cpu":"500m","memory":"1Gi"}}}]},
                 "status":{"phase":"Pending"}}""".formatted(name, uid, gpus, gpus);
    }

    static String args(String pod, boolean capitalised, String... nodes) {
        StringBuilder names = new StringBuilder("[");
        for (int i = 0; i < nodes.length; i++) names.append(i == 0 ? "" : ",").append('"').append(nodes[i]).append('"');
        names.append(']');
        return capitalised ? "{\"Pod\":" + pod + ",\"Nodes\":null,\"NodeNames\":" + names + "}"
                : "{\"pod\":" + pod + ",\"nodeNames\":" + names + "}";
    }

    static List<String> names(JsonNode arr) {
        List<String> out = new ArrayList<>();
        arr.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void filterPrioritizeBindPreemptRoundTrip() {
        String[] nodes = {"node-0", "node-1", "node-2", "node-3", "ghost"};
        // filter, both spellings, same answer
        Http.Res cap = http.post("/scheduler/filter", null, args(pod("train-0", "uid-0", 2), true, nodes));
        Http.Res low = http.post("/scheduler/filter", null, args(pod("train-0", "uid-0", 2), false, nodes));
        assertEquals(200, cap.status(), cap.body());
        assertEquals(cap.body(), low.body());
        JsonNode f = cap.json();
        assertEquals(List.of("node-0", "node-1", "node-2", "node-3"), names(f.path("NodeNames")));
        assertTrue(f.path("FailedAndUnresolvableNodes").path("ghost").asText().contains("unknown"), f.toString());
        assertEquals("", f.path("Error").asText());

        // a pod no node can take: every node named with a reason
        JsonNode nine = http.post("/scheduler/filter", null, args(pod("huge", "uid-h", 9), true, "node-0", "node-1")).json();
        assertEquals(0, nine.path("NodeNames").size());
        assertEquals(2, nine.path("FailedNodes").size() + nine.path("FailedAndUnresolvableNodes").size(), nine.toString());

        // Nodes (not NodeNames): the fitting v1.Node objects come back
        String withNodes = "{\"Pod\":" + pod("train-0", "uid-0", 2) + ",\"Nodes\":{\"items\":[{\"metadata\":{\"name\":\"node-2\"}},{\"metadata\":{\"name\":\"ghost\"}}]}}";
        JsonNode wn = http.post("/scheduler/filter", null, withNodes).json();
        assertEquals(1, wn.path("Nodes").path("items").size());
        assertEquals("node-2", wn.path("Nodes").path("items").get(0).path("metadata").path("name").asText());

        // bind (capitalised) on node-1: gpufleet picks 2 GPUs there
        Http.Res bind = http.post("/scheduler/bind", null, "{\"PodName\":\"train-0\",\"PodNamespace\":\"team-a\",\"PodUID\":\"uid-0\",\"Node\":\"node-1\"}");
        assertEquals(200, bind.status());
        assertEquals("", bind.json().path("Error").asText(), bind.body());
        assertEquals(2.0, http.get("/api/v1/nodes/node-1", null).json().path("gpuAllocated").asDouble());
        // bind of a pod filter never saw, lower-case keys: an error in the result, not a crash
        JsonNode unseen = http.post("/scheduler/bind", null, "{\"podName\":\"stranger\",\"podNamespace\":\"team-a\",\"node\":\"node-1\"}").json();
        assertTrue(unseen.path("Error").asText().contains("not seen by filter"), unseen.toString());

        // prioritize: 0..10, the already-used node ranks highest for the next GPU pod (it fragments least), both spellings
        Http.Res pc = http.post("/scheduler/prioritize", null, args(pod("train-1", "uid-1", 2), true, "node-0", "node-1", "node-2"));
        Http.Res pl = http.post("/scheduler/prioritize", null, args(pod("train-1", "uid-1", 2), false, "node-0", "node-1", "node-2"));
        assertEquals(pc.body(), pl.body());
        JsonNode prio = pc.json();
        assertEquals(3, prio.size());
        int best = -1;
        String bestHost = null;
        for (JsonNode h : prio) {
            int s = h.path("Score").asInt();
            assertTrue(s >= 0 && s <= ExtenderProtocol.MAX_PRIORITY, h.toString());
            if (s > best) {
                best = s;
                bestHost = h.path("Host").asText();
            }
        }
        assertEquals("node-1", bestHost, prio.toString());

        // preempt: an 8-GPU pod fits on node-1 only if train-0 goes; node-1 without victims is dropped
        String pre = "{\"Pod\":" + pod("big", "uid-b", 8) + ",\"NodeNameToVictims\":{"
                + "\"node-1\":{\"Pods\":[" + pod("train-0", "uid-0", 2) + "],\"NumPDBViolations\":0}}}";
        JsonNode kept = http.post("/scheduler/preempt", null, pre).json();
        assertTrue(kept.path("NodeNameToMetaVictims").has("node-1"), kept.toString());
        assertEquals("uid-0", kept.path("NodeNameToMetaVictims").path("node-1").path("Pods").get(0).path("UID").asText());
        String noVictims = "{\"Pod\":" + pod("big", "uid-b", 8) + ",\"NodeNameToMetaVictims\":{\"node-1\":{\"Pods\":[],\"NumPDBViolations\":0}}}";
        assertFalse(http.post("/scheduler/preempt", null, noVictims).json().path("NodeNameToMetaVictims").has("node-1"));
        // meta victims by UID (lower-case keys) resolve through the pods gpufleet saw
        String meta = "{\"pod\":" + pod("big", "uid-b", 8) + ",\"nodeNameToMetaVictims\":{\"node-1\":{\"pods\":[{\"uid\":\"uid-0\"}],\"numPDBViolations\":0}}}";
        assertTrue(http.post("/scheduler/preempt", null, meta).json().path("NodeNameToMetaVictims").has("node-1"));
        // the preempt check put train-0 back
        assertEquals(2.0, http.get("/api/v1/nodes/node-1", null).json().path("gpuAllocated").asDouble());
    }

    @Test
    void malformedExtenderCallsAre400WithTheField() {
        assertEquals(400, http.post("/scheduler/filter", null, "{\"Pod\":").status());
        Http.Res noPod = http.post("/scheduler/filter", null, "{\"NodeNames\":[\"node-0\"]}");
        assertEquals(400, noPod.status());
        assertTrue(noPod.message().contains("Pod"), noPod.body());
        Http.Res noNodes = http.post("/scheduler/filter", null, "{\"Pod\":" + pod("p", "u", 1) + "}");
        assertTrue(noNodes.message().contains("NodeNames"), noNodes.body());
        Http.Res badNames = http.post("/scheduler/prioritize", null, "{\"Pod\":" + pod("p", "u", 1) + ",\"NodeNames\":\"node-0\"}");
        assertTrue(badNames.message().contains("NodeNames"), badNames.body());
        Http.Res badQty = http.post("/scheduler/filter", null, args(pod("p", "u", -1), true, "node-0"));
        assertEquals(400, badQty.status());
        assertTrue(badQty.message().contains("nvidia.com/gpu"), badQty.body());
        Http.Res noNode = http.post("/scheduler/bind", null, "{\"PodName\":\"p\"}");
        assertTrue(noNode.message().contains("Node"), noNode.body());
    }
}
