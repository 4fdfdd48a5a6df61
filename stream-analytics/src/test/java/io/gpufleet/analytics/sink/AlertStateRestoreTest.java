package io.gpufleet.analytics.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.gpufleet.analytics.decode.GpuSample;
import io.gpufleet.analytics.job.AnalyticsConfig;
import io.gpufleet.analytics.job.AnalyticsJob;
import io.gpufleet.analytics.testing.SampleBuilder;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Alertmanager sink's firing alerts survive a task failure: a fault raised before a checkpoint keeps being
 * posted after the job restores from it (Alertmanager never sees it expire), and when it clears after the restore
 * it is posted as resolved.
 */
class AlertStateRestoreTest {
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    static final long T0 = 1_789_948_800_000L;
    /** Ticks of one second, two GPUs each; GPU 0's uncorrectable ECC counter is 1 from RAISE until CLEAR. */
    static final int RAISE = 2, CLEAR = 1_600, TICKS = 1_800;
    static final int RATE = 400; // samples per second of wall time: 200 ticks, so the fault lasts ~8 s
    static final AtomicBoolean FAILED = new AtomicBoolean();
    static final AtomicLong FAILED_AT = new AtomicLong();

    /** GPU {@code i % 2} of one node at tick {@code i / 2}; a pure function, so a restore replays it exactly. */
    static final class EccFleet implements GeneratorFunction<Long, GpuSample> {
        @Override
        public GpuSample map(Long i) {
            long tick = i / 2;
            int gpu = (int) (i % 2);
            boolean dbe = gpu == 0 && tick >= RAISE && tick < CLEAR;
            return SampleBuilder.at(T0 + tick * 1000).gpu(gpu).dbe(dbe ? 1 : 0).build();
        }
    }

    /** Fails the task once, after a checkpoint taken when the fault was already raised has completed. */
    static final class FailAfterFaultCheckpoint extends RichMapFunction<GpuSample, GpuSample>
            implements CheckpointedFunction, CheckpointListener {
        private transient long seen;
        private transient long checkpointAfterFault = -1;
        private transient volatile boolean armed;

        @Override
        public GpuSample map(GpuSample s) {
            seen++;
            if (armed && !FAILED.get()) {
                FAILED_AT.set(System.currentTimeMillis());
                FAILED.set(true);
                throw new IllegalStateException("injected task failure");
            }
            return s;
        }

        @Override
        public void snapshotState(FunctionSnapshotContext ctx) {
            // The barrier follows this task's records: a checkpoint taken after tick RAISE + 50 has the fault.
            if (checkpointAfterFault < 0 && seen > 2 * (RAISE + 50)) checkpointAfterFault = ctx.getCheckpointId();
        }

        @Override
        public void initializeState(FunctionInitializationContext ctx) {}

        @Override
        public void notifyCheckpointComplete(long id) {
            if (checkpointAfterFault >= 0 && id >= checkpointAfterFault) armed = true;
        }
    }

    record Post(long at, String status, long endsAt) {}

    @Test
    void firingAlertsAreResentAfterARestoreAndResolvedLater() throws Exception {
        ObjectMapper json = new ObjectMapper();
        ConcurrentLinkedQueue<long[]> posts = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<JsonNode> alerts = new ConcurrentLinkedQueue<>();
        HttpServer am = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        am.createContext("/api/v2/alerts", ex -> {
            long at = System.currentTimeMillis();
            for (JsonNode a : json.readTree(ex.getRequestBody())) {
                alerts.add(((com.fasterxml.jackson.databind.node.ObjectNode) a).put("receivedAt", at));
            }
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        am.start();
        try {
            AnalyticsConfig cfg = AnalyticsConfig.from(Map.of("checkpoint-interval", "200ms", "metrics-port", "-1",
                    "out-of-orderness", "0s", "quiet", "1h", "alert-resend", "1s",
                    "alertmanager-url", "http://127.0.0.1:" + am.getAddress().getPort()));
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            AnalyticsJob.configure(env, cfg);
            var samples = env.fromSource(new DataGeneratorSource<>(new EccFleet(), 2L * TICKS,
                            RateLimiterStrategy.perSecond(RATE), TypeInformation.of(GpuSample.class)),
                    WatermarkStrategy.noWatermarks(), "ecc fleet").map(new FailAfterFaultCheckpoint()).name("fails once");
            AnalyticsJob.sinks(AnalyticsJob.analyse(samples, cfg), null, cfg);
            env.execute("alert state across a restore");
        } finally {
            am.stop(0);
        }

        assertTrue(FAILED.get(), "the task failed once and the job recovered");
        List<Post> ecc = new ArrayList<>();
        for (JsonNode a : alerts) {
            if (!a.path("labels").path("kind").asText().equals("ecc_double_bit")) continue;
            long endsAt = Instant.parse(a.path("endsAt").asText()).toEpochMilli();
            String status = endsAt <= T0 + CLEAR * 1000L ? "resolved" : "firing";
            ecc.add(new Post(a.path("receivedAt").asLong(), status, endsAt));
            assertEquals(String.valueOf(T0 + RAISE * 1000L), a.path("annotations").path("fault_id").asText()
                    .replaceAll(".*@", ""), "one fault, raised once");
        }
        ecc.sort((x, y) -> Long.compare(x.at(), y.at()));
        assertFalse(ecc.isEmpty());
        long failedAt = FAILED_AT.get();
        // The restored writer (the old one is gone once the job restarts, a second after the failure) re-posts it.
        long resentAfterRestore = ecc.stream()
                .filter(p -> p.status().equals("firing") && p.at() > failedAt + 1000).count();
        assertTrue(resentAfterRestore >= 2, () -> "firing re-posts after the restore: " + ecc + ", failed at " + failedAt);
        // Alertmanager never lets it expire: each firing post arrives before the previous one's endsAt.
        Post first = ecc.get(0);
        assertEquals("firing", first.status());
        for (int i = 1; i < ecc.size(); i++) {
            Post prev = ecc.get(i - 1);
            if (prev.status().equals("firing")) {
                assertTrue(ecc.get(i).at() <= prev.endsAt(), "gap before post " + i + ": " + ecc);
            }
        }
        Post last = ecc.get(ecc.size() - 1);
        assertEquals("resolved", last.status(), ecc::toString);
        assertEquals(T0 + CLEAR * 1000L, last.endsAt(), "resolved when the counter reset");
        assertTrue(last.at() > failedAt + 1000, "resolved after the restore");
    }
}
