package io.gpufleet.scheduler.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gpufleet.contracts.GpuFault;
import io.gpufleet.contracts.GpuFault.Kind;
import io.gpufleet.contracts.GpuFault.Severity;
import io.gpufleet.contracts.Topics;
import io.gpufleet.exporter.publish.kafka.TestBroker;
import io.gpufleet.scheduler.api.DecisionLoop;
import io.gpufleet.scheduler.api.SchedulerServer;
import io.gpufleet.scheduler.api.ServerConfig;
import io.gpufleet.scheduler.bench.SyntheticCluster;
import io.gpufleet.scheduler.model.Node;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The scheduler following a real fault stream: one in-JVM KRaft broker for the class. Before the broker starts,
 * a listener is already pointed at its port, so the class also shows the listener riding out an absent broker.
 */
class FaultStreamListenerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static TestBroker broker;
    private static KafkaProducer<String, byte[]> producer;
    // started before the broker existed
    private static DecisionLoop earlyLoop;
    private static FaultStreamListener early;
    private static long earlyErrorsWhileDown;
    private static boolean earlyConnectedWhileDown;

    @BeforeAll
    static void startBroker() throws Exception {
        int port = TestBroker.freePort();
        earlyLoop = new DecisionLoop(SchedulerServer.embedded(config(), Clock.systemUTC())).start(Duration.ofSeconds(1));
        early = new FaultStreamListener("localhost:" + port, "faults-early", earlyLoop, new PrometheusRegistry(),
                new FaultStreamListener.Timing(Duration.ofMillis(200), Duration.ofMillis(300), Duration.ofMillis(100),
                        Duration.ofMillis(500))).start();
        waitFor("the listener sees the broker is away", () -> early.errors() > 0, Duration.ofSeconds(20));
        earlyErrorsWhileDown = early.errors();
        earlyConnectedWhileDown = early.connected();

        broker = TestBroker.start(port);
        broker.createTopic(Topics.FAULTS);
        broker.createTopic("faults-early");
        producer = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers(), "acks", "all",
                "linger.ms", "0"), new StringSerializer(), new ByteArraySerializer());
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (early != null) early.close();
        if (earlyLoop != null) earlyLoop.close();
        if (producer != null) producer.close();
        if (broker != null) broker.close();
    }

    private static ServerConfig config() {
        // one H100 node of 8 GPUs; no periodic pass needed beyond the one the loop runs
        return new ServerConfig(0, "127.0.0.1", null, null, null, false, "gpufleet", 1, 3, 1 << 20,
                Duration.ofMillis(200), false);
    }

    @Test
    void faultsTakeGpusOutOfThePoolAndResolutionsBringThemBack() throws Exception {
        try (SchedulerServer server = SchedulerServer.start(config().withFaultsBootstrap(broker.bootstrapServers()))) {
            String base = "http://127.0.0.1:" + server.port();
            FaultStreamListener faults = server.faults();
            assertNotNull(faults);
            waitFor("connected", faults::connected, Duration.ofSeconds(20));

            // a one-GPU pod runs somewhere on the only node
            JsonNode job = post(base + "/api/v1/jobs", "{\"name\":\"p1\",\"namespace\":\"ops\",\"resources\":{\"nvidia.com/gpu\":\"1\"}}");
            assertEquals("Running", job.path("phase").asText(), job.toString());
            JsonNode pod = job.path("pods").get(0);
            String node = pod.path("node").asText();
            int g = pod.path("gpus").get(0).path("index").asInt();
            assertFalse(fitsEightGpus(base), "the pod holds one GPU: 8 do not fit yet");
            delete(base + "/api/v1/jobs/ops/p1");
            assertTrue(fitsEightGpus(base), "an empty 8-GPU node fits a job of 8");
            JsonNode again = post(base + "/api/v1/jobs", "{\"name\":\"p1\",\"namespace\":\"ops\",\"resources\":{\"nvidia.com/gpu\":\"1\"}}");
            g = again.path("pods").get(0).path("gpus").get(0).path("index").asInt();

            // XID 79 on the pod's GPU: it leaves the pool and the pod on it is reported
            GpuFault reboot = GpuFault.active(Kind.XID_REBOOT_NODE, Severity.CRITICAL, node, g, "GPU-x", "", "",
                    "XID 79 (GPU has fallen off the bus)", "reboot_node", 1_000);
            publish(reboot.toJson());
            int gpu = g;
            waitFor("GPU " + g + " unhealthy", () -> !healthy(base, node, gpu), Duration.ofSeconds(20));
            assertEquals(1, faults.podsReported());
            assertEquals(reboot.id(), gpuView(base, node, g).path("faults").get(0).asText(), "the node view names the fault");
            assertEquals("ops/p1", gpuView(base, node, g).path("pods").get(0).asText(), "and the pod still on the GPU");
            assertEquals("ops/p1", faults.recentPodReports().get(0).pods().get(0));
            assertEquals(reboot.id(), faults.recentPodReports().get(0).faultId());
            String metrics = get(base + "/metrics");
            assertTrue(metrics.contains("gpufleet_scheduler_faults_pods_on_unhealthy_gpu_total 1.0"), metrics);
            assertTrue(metrics.contains("gpufleet_scheduler_faults_connected 1.0"), metrics);
            assertTrue(metrics.contains("gpufleet_scheduler_gpus_unhealthy 1.0"), metrics);
            delete(base + "/api/v1/jobs/ops/p1");
            assertFalse(fitsEightGpus(base), "7 healthy GPUs cannot take a job of 8");

            // an application XID on another GPU changes nothing; a malformed record is skipped and the next good
            // fault (double-bit ECC on a third GPU) still applies
            int other = (g + 1) % 8, third = (g + 2) % 8;
            publish(GpuFault.active(Kind.XID_APPLICATION, Severity.WARNING, node, other, "", "ops", "p1",
                    "XID 13", "restart_app", 2_000).toJson());
            publish("{\"kind\":\"XID_RESET_GPU\",\"node\":");
            publish("{\"kind\":\"NOT_A_KIND\",\"severity\":\"CRITICAL\",\"status\":\"ACTIVE\",\"node\":\"" + node + "\",\"gpu\":1}");
            GpuFault ecc = GpuFault.active(Kind.ECC_DOUBLE_BIT, Severity.CRITICAL, node, third, "", "", "",
                    "volatile DBE 0 -> 2", "reset_gpu", 3_000);
            publish(ecc.toJson());
            waitFor("GPU " + third + " unhealthy", () -> !healthy(base, node, third), Duration.ofSeconds(20));
            assertTrue(healthy(base, node, other), "an application XID leaves the GPU in service");
            assertEquals(0, gpuView(base, node, other).path("faults").size());
            assertEquals(2, faults.records("malformed"));
            assertTrue(faults.records("ignored") >= 1);
            assertTrue(get(base + "/metrics").contains("gpufleet_scheduler_faults_records_total{outcome=\"malformed\"} 2.0"));

            // the XID fault resolves: its GPU returns, the ECC fault still holds the third one
            publish(reboot.resolve(5_000, "node rebooted").toJson());
            waitFor("GPU " + g + " healthy again", () -> healthy(base, node, gpu), Duration.ofSeconds(20));
            assertFalse(healthy(base, node, third));
            assertEquals(0, gpuView(base, node, gpu).path("faults").size());
            assertEquals(ecc.id(), gpuView(base, node, third).path("faults").get(0).asText());
            assertFalse(fitsEightGpus(base));
            publish(ecc.resolve(6_000, "GPU reset").toJson());
            waitFor("GPU " + third + " healthy again", () -> healthy(base, node, third), Duration.ofSeconds(20));
            assertTrue(fitsEightGpus(base), "every GPU back: a job of 8 fits again");

            // a node that stops reporting takes all its GPUs out until it reports again
            GpuFault gone = GpuFault.active(Kind.NODE_UNREACHABLE, Severity.CRITICAL, node, -1, "", "", "",
                    "no report for 60 s", "check_node", 7_000);
            publish(gone.toJson());
            waitFor("all GPUs out", () -> unhealthyCount(base, node) == 8, Duration.ofSeconds(20));
            publish(gone.resolve(8_000, "reporting again").toJson());
            waitFor("all GPUs back", () -> unhealthyCount(base, node) == 0, Duration.ofSeconds(20));
            assertEquals(0, faults.errors());
        }
    }

    @Test
    void listenerStartedWhileKafkaWasAwayConnectsAndAppliesFaults() throws Exception {
        assertFalse(earlyConnectedWhileDown, "no broker: not connected");
        assertTrue(earlyErrorsWhileDown > 0, "no broker: errors counted");
        waitFor("connected once the broker is up", early::connected, Duration.ofSeconds(30));
        String node = earlyLoop.call(s -> s.nodeNames().iterator().next()).get();
        producer.send(new ProducerRecord<>("faults-early", node, GpuFault.active(Kind.GPU_STOPPED_REPORTING,
                Severity.CRITICAL, node, 5, "", "", "", "silent for 30 s", "check_gpu", 1).toJson()
                .getBytes(StandardCharsets.UTF_8))).get();
        waitFor("GPU 5 unhealthy", () -> {
            try {
                return earlyLoop.call(s -> s.node(io.gpufleet.scheduler.api.Principal.OPEN, node)).get()
                        .gpus().get(5).healthy() == false;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }, Duration.ofSeconds(20));
    }

    @Test
    void faultOfANodeThatJoinsLaterIsAppliedWhenItJoins() throws Exception {
        waitFor("connected", early::connected, Duration.ofSeconds(30));
        Node late = SyntheticCluster.mixed(3, 3).get(2);
        GpuFault f = GpuFault.active(Kind.XID_RESET_GPU, Severity.CRITICAL, late.name(), 6, "", "", "",
                "XID 48", "reset_gpu", 1);
        producer.send(new ProducerRecord<>("faults-early", late.name(), f.toJson().getBytes(StandardCharsets.UTF_8))).get();
        waitFor("the fault is read though its node is unknown", () -> early.records("unknown_gpu") >= 1, Duration.ofSeconds(20));
        earlyLoop.run(s -> s.upsertNode(late)).get();
        waitFor("GPU 6 of the late node out", () -> !earlyHealthy(late.name(), 6), Duration.ofSeconds(20));
        assertTrue(earlyHealthy(late.name(), 5));
        assertTrue(early.records("reapplied") >= 1);
        producer.send(new ProducerRecord<>("faults-early", late.name(), f.resolve(2, "reset").toJson()
                .getBytes(StandardCharsets.UTF_8))).get();
        waitFor("GPU 6 back", () -> earlyHealthy(late.name(), 6), Duration.ofSeconds(20));
    }

    private static boolean earlyHealthy(String node, int gpu) {
        try {
            return earlyLoop.call(s -> s.isGpuHealthy(node, gpu)).get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    // ---- helpers ----

    private static void publish(String json) throws Exception {
        producer.send(new ProducerRecord<>(Topics.FAULTS, "k", json.getBytes(StandardCharsets.UTF_8))).get();
    }

    private static boolean fitsEightGpus(String base) {
        return post(base + "/api/v1/whatif", "{\"name\":\"big\",\"namespace\":\"ops\",\"resources\":{\"nvidia.com/gpu\":\"8\"}}")
                .path("fits").asBoolean();
    }

    private static JsonNode gpuView(String base, String node, int gpu) {
        for (JsonNode g : json(get(base + "/api/v1/nodes/" + node)).path("gpus")) {
            if (g.path("index").asInt() == gpu) return g;
        }
        throw new AssertionError("no GPU " + gpu + " on " + node);
    }

    private static boolean healthy(String base, String node, int gpu) {
        return gpuView(base, node, gpu).path("healthy").asBoolean();
    }

    private static int unhealthyCount(String base, String node) {
        int n = 0;
        for (JsonNode g : json(get(base + "/api/v1/nodes/" + node)).path("gpus")) if (!g.path("healthy").asBoolean()) n++;
        return n;
    }

    private static String get(String url) {
        return send(HttpRequest.newBuilder(URI.create(url)).GET());
    }

    private static JsonNode post(String url, String body) {
        return json(send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))));
    }

    private static void delete(String url) {
        send(HttpRequest.newBuilder(URI.create(url)).DELETE());
    }

    private static String send(HttpRequest.Builder b) {
        try {
            HttpResponse<String> r = HTTP.send(b.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() >= 300) throw new AssertionError(r.statusCode() + ": " + r.body());
            return r.body();
        } catch (java.io.IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static JsonNode json(String s) {
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + s, e);
        }
    }

    private static void waitFor(String what, BooleanSupplier cond, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (cond.getAsBoolean()) return;
            Thread.sleep(50);
        }
        throw new AssertionError("timed out waiting: " + what);
    }
}
