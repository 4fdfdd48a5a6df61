package io.gpufleet.scheduler.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What-if answers where a job would go and whom it would preempt, and changes nothing; the real submit then does it. */
class WhatIfTest {
    @Test
    void whatIfReportsPreemptionWithoutChangingState() {
        try (SchedulerServer server = SchedulerServer.start(new ServerConfig(0, "127.0.0.1", null, null, null, false, "gpufleet",
                4, 5, 1 << 20, Duration.ofMinutes(1), false))) {
            // No periodic queue pass during the test: it would re-run the preempted job and replace its reason.
            Http http = new Http("http://127.0.0.1:" + server.port());
            // team-b borrows 24 of the 32 GPUs (its min is 8), ops (no quota) takes the rest
            for (int i = 0; i < 3; i++) {
                assertEquals("Running", http.post("/api/v1/jobs", null, ApiServerTest.job("b" + i, "team-b",
                        ",\"resources\":{\"nvidia.com/gpu\":\"8\"}")).json().path("phase").asText());
            }
            assertEquals("Running", http.post("/api/v1/jobs", null, ApiServerTest.job("ops", "ops",
                    ",\"resources\":{\"nvidia.com/gpu\":\"8\"}")).json().path("phase").asText());
            String nodes = http.get("/api/v1/nodes", null).body();
            String jobs = http.get("/api/v1/jobs", null).body();
            String quotas = http.get("/api/v1/quotas", null).body();

            String ask = ApiServerTest.job("train", "team-a", ",\"resources\":{\"nvidia.com/gpu\":\"8\"}");
            Http.Res w = http.post("/api/v1/whatif", null, ask);
            assertEquals(200, w.status(), w.body());
            JsonNode ans = w.json();
            assertTrue(ans.path("fits").asBoolean(), ans.toString());
            assertEquals(1, ans.path("preempted").size(), ans.toString());
            assertTrue(ans.path("preempted").get(0).asText().startsWith("team-b/b"), ans.toString());
            assertEquals("team-a/train", ans.path("pods").get(0).path("name").asText());
            assertEquals(8, ans.path("pods").get(0).path("gpus").size());
            // nothing changed
            assertEquals(nodes, http.get("/api/v1/nodes", null).body());
            assertEquals(jobs, http.get("/api/v1/jobs", null).body());
            assertEquals(quotas, http.get("/api/v1/quotas", null).body());

            // a what-if that cannot fit says why
            JsonNode no = http.post("/api/v1/whatif", null, ApiServerTest.job("huge", "team-a",
                    ",\"resources\":{\"nvidia.com/gpu\":\"8\"},\"gpuModels\":[\"B200\"]")).json();
            assertFalse(no.path("fits").asBoolean());
            assertTrue(no.path("reason").asText().contains("B200"), no.toString());

            // the real submit reclaims: team-a runs, one team-b job goes back to Pending, saying why
            JsonNode real = http.post("/api/v1/jobs", null, ask).json();
            assertEquals("Running", real.path("phase").asText(), real.toString());
            int pending = 0;
            for (JsonNode j : http.get("/api/v1/jobs?namespace=team-b", null).json().path("items")) {
                if (j.path("phase").asText().equals("Pending")) {
                    pending++;
                    assertTrue(j.path("pods").get(0).path("reason").asText().contains("preempted"), j.toString());
                }
            }
            assertEquals(1, pending);
            assertTrue(http.get("/metrics", null).body().contains("gpufleet_scheduler_preemptions_total 1.0"));
        }
    }
}
