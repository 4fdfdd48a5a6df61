package io.gpufleet.autoscaler.controller;

import io.gpufleet.autoscaler.policy.ScalingPolicy.Spot;
import io.gpufleet.scheduler.api.SchedulerServer;
import io.gpufleet.scheduler.api.ServerConfig;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Free GPUs read from scheduler-core's real API (embedded mode, a simulated fleet). */
class SchedulerGpuCapacityTest {
    @Test
    void readsFreeGpusAndSeesThemTakenByAJob() throws Exception {
        SchedulerServer server = SchedulerServer.start(new ServerConfig(0, "127.0.0.1", null, null, null, false,
                "gpufleet", 2, 42, 1 << 20, Duration.ofMillis(50), false));
        SchedulerGpuCapacity cap;
        try {
            cap = new SchedulerGpuCapacity(URI.create(server.url()), Optional.empty(), Duration.ofSeconds(5));
            FreeGpus before = cap.snapshot();
            assertEquals(2, before.nodes().size());
            assertEquals(16, before.total(), "two idle 8-GPU nodes");
            HttpResponse<String> rsp = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(server.url() + "/api/v1/jobs"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                            "{\"name\":\"train\",\"namespace\":\"team-a\",\"replicas\":1,\"resources\":{\"nvidia.com/gpu\":\"4\",\"cpu\":\"1\",\"memory\":\"1Gi\"}}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(201, rsp.statusCode(), rsp.body());
            long deadline = System.nanoTime() + 5_000_000_000L;
            FreeGpus after = cap.snapshot();
            while (after.total() != 12 && System.nanoTime() < deadline) {
                Thread.sleep(50);
                after = cap.snapshot();
            }
            assertEquals(12, after.total(), "the job's 4 GPUs are no longer free");
            assertEquals(1, after.place(8, 2, Spot.none(), Set.of()).total(),
                    "only the untouched node still holds an 8-GPU replica");
        } finally {
            server.close();
        }
        RuntimeException down = assertThrows(RuntimeException.class, cap::snapshot);
        assertTrue(down.getMessage().contains("/api/v1/nodes"), down.getMessage());
    }

    @Test
    void parsesLabelsAndRejectsWhatIsNotANodeList() {
        FreeGpus f = SchedulerGpuCapacity.parse("""
                {"items":[{"name":"a","labels":{"gpufleet.io/capacity-type":"spot"},"gpusFree":3,"gpus":[]},
                          {"name":"b","labels":{},"gpusFree":0}]}""");
        assertEquals(new FreeGpus.Node("a", 3, true), f.nodes().get(0));
        assertEquals(new FreeGpus.Node("b", 0, false), f.nodes().get(1));
        assertThrows(IllegalStateException.class, () -> SchedulerGpuCapacity.parse("{\"status\":401}"));
        assertThrows(IllegalStateException.class, () -> SchedulerGpuCapacity.parse("{\"items\":[{\"name\":\"a\"}]}"));
        assertThrows(IllegalStateException.class, () -> SchedulerGpuCapacity.parse("not json"));
    }
}
