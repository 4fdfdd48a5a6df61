package io.gpufleet.platform.up;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * {@link FleetUp} without the Flink job (fast): the scheduler serves the simulated fleet's GPUs, synthetic jobs are
 * placed through it and run on the simulated GPUs under their pod names, finish and free their GPUs, and an
 * injected fault takes the GPU out of the scheduler's pool until the GPU recovers.
 */
class FleetUpTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    static FleetUp.Settings settings(int nodes, boolean analytics, double jobsPerMinute, Duration minRun, Duration maxRun) {
        return settings(nodes, analytics, true, jobsPerMinute, minRun, maxRun, false);
    }

    static FleetUp.Settings settings(int nodes, boolean analytics, boolean jobs, double jobsPerMinute, Duration minRun,
                                     Duration maxRun, boolean autoscaler) {
        Map<String, String> flags = new HashMap<>();
        flags.put("simulate", "4");
        flags.put("simulate-nodes", Integer.toString(nodes));
        flags.put("port", "0");
        flags.put("bind-address", "127.0.0.1");
        flags.put("interval", "250ms");
        flags.put("slow-interval", "1s");
        flags.put("kubernetes", "off");
        flags.put("xid-window", "3s");
        return new FleetUp.Settings(flags, 0, analytics, 0, true, 0, jobs, jobsPerMinute, minRun, maxRun, autoscaler, 0,
                Duration.ofMinutes(10), 42);
    }

    @Test
    void jobsArePlacedOnTheFleetsGpusRunUnderTheirPodNamesAndFinish() throws Exception {
        try (FleetUp up = FleetUp.start(settings(2, false, 120, Duration.ofSeconds(2), Duration.ofSeconds(4)))) {
            String s = up.schedulerUrl();
            JsonNode nodes = get(s + "/api/v1/nodes");
            assertEquals(2, nodes.path("items").size(), nodes.toString());
            assertEquals("sim-node-00", nodes.path("items").get(0).path("name").asText());
            String uuid = up.exporters().fleet().orElseThrow().nodes().get(0).gpus().get(0).uuid();
            assertEquals(uuid, nodes.path("items").get(0).path("gpus").get(0).path("uuid").asText(), "the fleet's own UUIDs");

            // a placed pod shows on its GPU's exporter under its namespace and pod name
            JsonNode bound = await(() -> firstBound(get(s + "/api/v1/jobs")), n -> n != null, Duration.ofSeconds(20));
            String node = bound.path("node").asText();
            String ns = bound.path("name").asText().split("/")[0];
            String exporter = up.exporters().exporters().stream().filter(e -> e.source().node().equals(node)).findFirst()
                    .orElseThrow().url();
            String metrics = await(() -> text(exporter + "/metrics"), m -> m.contains("namespace=\"" + ns + "\""), Duration.ofSeconds(10));
            assertTrue(metrics.matches("(?s).*gpufleet_gpu_pod_memory_used_bytes\\{[^}]*namespace=\"" + ns
                    + "\"[^}]*pod=\"(alice|bob|carol|dave|erin)-p[0-9a-z]{4}\".*"), "pod attribution on " + exporter);

            // jobs finish after their run time and give their GPUs back
            await(() -> up.status().jobs().finished(), n -> n >= 3, Duration.ofSeconds(30));
            FleetUp.Status st = up.status();
            assertTrue(st.bound() >= 3 && st.placedPods() <= st.bound(), st.toString());
            String line = FleetUp.summary(st, 12);
            assertTrue(line.startsWith("[   12s] GPUs 8: allocated "), line);
            assertTrue(line.contains("| scheduler: ") && line.contains("| jobs: "), line);
        }
    }

    @Test
    void aFailedGpuLeavesTheSchedulersPoolAndReturnsWhenHealthy() throws Exception {
        try (FleetUp up = FleetUp.start(settings(1, false, 1, Duration.ofSeconds(60), Duration.ofSeconds(60)))) {
            String s = up.schedulerUrl();
            assertTrue(gpu(s, 2).path("healthy").asBoolean());
            String sim = up.exporters().exporters().get(0).url() + "/sim/faults";
            send(HttpRequest.newBuilder(URI.create(sim)).POST(HttpRequest.BodyPublishers.ofString(
                    "{\"node\":\"sim-node-00\",\"gpu\":2,\"type\":\"xid\",\"xid\":74}")));
            JsonNode out = await(() -> gpu(s, 2), g -> !g.path("healthy").asBoolean(), Duration.ofSeconds(10));
            assertTrue(out.path("faults").toString().contains("xid_74_reset_gpu"), out.toString());
            assertTrue(gpu(s, 1).path("healthy").asBoolean(), "only that GPU");
            assertEquals(1, up.status().outOfPool());
            // counted as the scheduler's fault stream counts records from Kafka
            String metrics = text(s + "/metrics");
            assertTrue(metrics.contains("gpufleet_scheduler_faults_records_total{outcome=\"applied\"} 1.0"), metrics);
            assertTrue(metrics.contains("gpufleet_scheduler_faults_connected 1.0"), metrics);
            // an XID of the reset class (NVLink error) keeps the GPU failed until it is older than the exporter's
            // XID window (3 s here); then the GPU is back in the pool
            JsonNode back = await(() -> gpu(s, 2), g -> g.path("healthy").asBoolean(), Duration.ofSeconds(15));
            assertEquals(0, back.path("faults").size(), back.toString());
            assertEquals(0, up.status().outOfPool());
        }
    }

    @Test
    void theAutoscalerScalesTheInferenceDeploymentAndGrowsTheTrainingJobOnFreeGpus() throws Exception {
        try (FleetUp up = FleetUp.start(settings(2, false, false, 1, Duration.ofSeconds(60), Duration.ofSeconds(60), true))) {
            String autoscaler = up.scrapeJobs("127.0.0.1").stream().filter(j -> j.name().equals(FleetUp.AUTOSCALER_JOB))
                    .findFirst().orElseThrow().addresses().get(0);
            // the first pass runs on an empty fleet: the training job grows from its 2 workers at once
            String m = await(() -> text("http://" + autoscaler + "/metrics"),
                    t -> t.matches("(?s).*gpufleet_autoscaler_resizes_total\\{policy=\"llm-pretrain\"} [1-9].*"), Duration.ofSeconds(15));
            assertTrue(m.matches("(?s).*gpufleet_autoscaler_training_workers\\{job=\"llm-pretrain\",policy=\"llm-pretrain\"} [3-6]\\.0.*"), m);
            assertTrue(m.contains("gpufleet_autoscaler_actuation_errors_total{policy=\"chat-serving\"} 0.0"), "known from the start: " + m);
            assertTrue(m.contains("gpufleet_autoscaler_replicas{namespace=\"inference\",policy=\"chat-serving\",target=\"Deployment/chat\"}"), m);
            JsonNode jobs = get(up.schedulerUrl() + "/api/v1/jobs");
            long workers = 0, replicas = 0;
            for (JsonNode j : jobs.path("items")) {
                boolean bound = j.path("pods").get(0).path("phase").asText().equals("Bound");
                if (j.path("id").asText().startsWith("team-b/llm-pretrain-worker-") && bound) workers++;
                if (j.path("id").asText().startsWith("inference/chat-5d8f7c9b4-") && bound) replicas++;
            }
            assertTrue(workers >= 3 && replicas >= 1, "placed workers " + workers + ", replicas " + replicas + ": " + jobs);
            String line = FleetUp.summary(up.status(), 9);
            assertTrue(line.matches(".*\\| autoscaler: chat \\d+/\\d+ replicas running for load [0-9.]+, \\d+ rescales; llm-pretrain [3-6] workers, [1-9]\\d* resizes"), line);
        }
    }

    private JsonNode gpu(String scheduler, int i) throws Exception {
        return get(scheduler + "/api/v1/nodes/sim-node-00").path("gpus").get(i);
    }

    private static JsonNode firstBound(JsonNode jobs) {
        for (JsonNode j : jobs.path("items")) {
            for (JsonNode p : j.path("pods")) {
                if (p.path("phase").asText().equals("Bound") && p.path("gpus").size() > 0) return p;
            }
        }
        return null;
    }

    interface Read<T> {
        T read() throws Exception;
    }

    static <T> T await(Read<T> read, Predicate<T> done, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last = read.read();
        while (!done.test(last)) {
            if (System.nanoTime() > deadline) throw new AssertionError("not within " + timeout + ": " + last);
            Thread.sleep(200);
            last = read.read();
        }
        return last;
    }

    private JsonNode get(String url) throws Exception {
        return JSON.readTree(text(url));
    }

    private String text(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private void send(HttpRequest.Builder b) throws Exception {
        HttpResponse<String> r = http.send(b.header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(r.statusCode() / 100 == 2, r.statusCode() + " " + r.body());
    }
}
