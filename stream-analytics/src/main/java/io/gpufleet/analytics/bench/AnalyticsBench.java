package io.gpufleet.analytics.bench;

import com.sun.net.httpserver.HttpServer;
import io.gpufleet.analytics.decode.GpuSample;
import io.gpufleet.analytics.job.AnalyticsConfig;
import io.gpufleet.analytics.job.AnalyticsJob;
import io.gpufleet.analytics.sink.AlertmanagerSink;
import io.gpufleet.analytics.source.SyntheticFleet;
import io.gpufleet.contracts.QuotaUsage;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * {@code fleet bench analytics}: the production job graph in a local MiniCluster with checkpointing on.
 * <ol>
 *   <li>graph: fed with decoded samples of a synthetic fleet (in-process source), samples per second;</li>
 *   <li>OTLP: fed with OTLP records exactly as the exporter writes them (decode included), samples per second;</li>
 *   <li>latency: a rate-limited fleet whose GPUs report XID 79 from time to time, alerts posted to an
 *       Alertmanager-compatible endpoint; p50/p99 from the fault sample's event time to the API's acceptance;</li>
 *   <li>accounting error: the job's daily quota totals of runs 1 and 2 against the generators' ground truth.</li>
 * </ol>
 * Options: {@code --samples=N} {@code --otlp-samples=N} {@code --parallelism=P} {@code --checkpoint-interval=MS}
 * {@code --latency-seconds=S} {@code --latency-rate=SAMPLES_PER_S} {@code --alertmanager-url=URL} (default: a stub).
 */
public final class AnalyticsBench {
    private AnalyticsBench() {}

    static final Map<String, QuotaUsage> DAY_TOTALS = new ConcurrentHashMap<>();

    public static void main(String[] args) {
        System.exit(run(args, System.out));
    }

    public static int run(String[] args, PrintStream out) {
        Map<String, String> o = new HashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            if (!a.startsWith("--") || eq < 0) {
                out.println("usage: --samples=N --otlp-samples=N --parallelism=P --checkpoint-interval=MS "
                        + "--latency-seconds=S --latency-rate=N --alertmanager-url=URL");
                return 2;
            }
            o.put(a.substring(2, eq), a.substring(eq + 1));
        }
        try {
            long samples = Long.parseLong(o.getOrDefault("samples", "10000000"));
            long otlpSamples = Long.parseLong(o.getOrDefault("otlp-samples", "4000000"));
            int parallelism = Integer.parseInt(o.getOrDefault("parallelism", "1"));
            long checkpointMs = Long.parseLong(o.getOrDefault("checkpoint-interval", "10000"));
            int latencySeconds = Integer.parseInt(o.getOrDefault("latency-seconds", "20"));
            int latencyRate = Integer.parseInt(o.getOrDefault("latency-rate", "100000"));
            String alertUrl = o.getOrDefault("alertmanager-url", "");
            String phases = o.getOrDefault("phases", "graph,otlp,latency");
            AnalyticsConfig cfg = AnalyticsConfig.from(Map.of("parallelism", Integer.toString(parallelism),
                    "checkpoint-interval", checkpointMs + "ms", "metrics-port", "-1"));
            long day = 86_400_000L;
            long start = Math.floorDiv(System.currentTimeMillis(), day) * day - day;
            out.printf(Locale.ROOT, "analytics bench: parallelism %d, checkpoint interval %d ms, %d cores%n",
                    parallelism, checkpointMs, Runtime.getRuntime().availableProcessors());

            // 1. The graph, fed decoded samples.
            double graphRate = -1, otlpRate = -1;
            long errorGraph = 0, errorOtlp = 0;
            long[] p = {-1, -1};
            if (phases.contains("graph")) {
                SyntheticFleet fleet = new SyntheticFleet(2000, 8, start, 1000, 16, 0);
                DAY_TOTALS.clear();
                graphRate = runSamples(cfg, fleet, samples, out);
                errorGraph = SyntheticFleet.accountingError(fleet.groundTruth(samples), new HashMap<>(DAY_TOTALS));
                out.printf(Locale.ROOT, "  graph accounting error: %d%n", errorGraph);
            }

            // 2. End to end from OTLP bytes.
            if (phases.contains("otlp")) {
                OtlpReplay replay = new OtlpReplay(128, 16, start, 1000);
                long records = Math.max(1, otlpSamples / replay.gpusPerRecord());
                DAY_TOTALS.clear();
                otlpRate = runOtlp(cfg, replay, records, out);
                errorOtlp = SyntheticFleet.accountingError(replay.groundTruth(records), new HashMap<>(DAY_TOTALS));
                out.printf(Locale.ROOT, "  OTLP accounting error: %d%n", errorOtlp);
            }

            // 3. Fault-to-alert latency.
            if (phases.contains("latency")) p = latency(cfg, latencySeconds, latencyRate, alertUrl, out);

            out.printf(Locale.ROOT, "RESULT analytics samples_per_s=%.0f otlp_samples_per_s=%.0f fault_to_alert_p99_ms=%d "
                    + "accounting_error=%d%n", graphRate, otlpRate, p[1], errorGraph + errorOtlp);
            return 0;
        } catch (Exception e) {
            out.println("analytics bench failed: " + e);
            e.printStackTrace(out);
            return 1;
        }
    }

    private static StreamExecutionEnvironment env(AnalyticsConfig cfg) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(cfg.parallelism(),
                AnalyticsJob.clusterConfiguration());
        AnalyticsJob.configure(env, cfg);
        return env;
    }

    private static double runSamples(AnalyticsConfig cfg, SyntheticFleet fleet, long count, PrintStream out)
            throws Exception {
        StreamExecutionEnvironment env = env(cfg);
        DataStream<GpuSample> samples = generated(env, fleet, count, TypeInformation.of(GpuSample.class),
                "synthetic fleet");
        attach(AnalyticsJob.analyse(samples, cfg), cfg);
        JobExecutionResult r = env.execute("bench: graph");
        double secs = r.getNetRuntime(TimeUnit.MILLISECONDS) / 1000.0;
        double rate = count / secs;
        out.printf(Locale.ROOT, "  graph (decoded samples, %d GPUs): %d samples in %.1f s = %.0f samples/s%n",
                fleet.gpus(), count, secs, rate);
        return rate;
    }

    private static double runOtlp(AnalyticsConfig cfg, OtlpReplay replay, long records, PrintStream out) throws Exception {
        StreamExecutionEnvironment env = env(cfg);
        DataStream<byte[]> otlp = generated(env, replay, records, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO,
                "exporter OTLP");
        attach(AnalyticsJob.analyse(AnalyticsJob.decode(otlp, cfg), cfg), cfg);
        JobExecutionResult r = env.execute("bench: otlp");
        double secs = r.getNetRuntime(TimeUnit.MILLISECONDS) / 1000.0;
        long samples = records * replay.gpusPerRecord();
        double rate = samples / secs;
        out.printf(Locale.ROOT, "  OTLP end to end (%d B per %d-GPU record, decode included): %d samples in %.1f s = "
                + "%.0f samples/s%n", replay.averageBytes(), replay.gpusPerRecord(), samples, secs, rate);
        return rate;
    }

    /**
     * Records {@code 0 .. count-1} of a generator, made from a plain number sequence (split across subtasks like
     * the generator source). Not DataGeneratorSource: its reader goes through a rate limiter even when none is
     * set, which ends every record with a new future and a round through the task's mailbox, a cost of the
     * benchmark's source that no production source (Kafka, the simulated fleet) has.
     */
    private static <T> DataStream<T> generated(StreamExecutionEnvironment env, GeneratorFunction<Long, T> generator,
                                               long count, TypeInformation<T> type, String name) {
        return env.fromSequence(0, count - 1).name(name).uid(name + "-sequence")
                .map(new Generate<>(generator)).returns(type).name(name).uid(name);
    }

    private static final class Generate<T> implements MapFunction<Long, T> {
        private static final long serialVersionUID = 1L;
        private final GeneratorFunction<Long, T> generator;

        Generate(GeneratorFunction<Long, T> generator) {
            this.generator = generator;
        }

        @Override
        public T map(Long i) throws Exception {
            return generator.map(i);
        }
    }

    /** The production sinks' cost without external systems: faults and signals dropped, daily totals kept. */
    private static void attach(AnalyticsJob.Streams s, AnalyticsConfig cfg) {
        AnalyticsJob.sinks(s, null, cfg);
        s.quota().sinkTo(dayTotals()).name("day totals");
    }

    private static Sink<QuotaUsage> dayTotals() {
        return ctx -> new SinkWriter<>() {
            @Override
            public void write(QuotaUsage q, Context c) {
                if (q.period() == QuotaUsage.Period.DAY && q.scope() == QuotaUsage.Scope.GROUP) {
                    DAY_TOTALS.merge(q.quotaGroup(), q, (a, b) -> a.samples() >= b.samples() ? a : b);
                }
            }

            @Override
            public void flush(boolean endOfInput) {}

            @Override
            public void close() {}
        };
    }

    private static long[] latency(AnalyticsConfig base, int seconds, int rate, String alertUrl, PrintStream out)
            throws Exception {
        HttpServer stub = null;
        if (alertUrl.isBlank()) {
            // An Alertmanager-compatible endpoint that accepts alerts, as the real one answers (200, empty body).
            stub = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
            stub.createContext("/api/v2/alerts", ex -> {
                ex.getRequestBody().readAllBytes();
                ex.sendResponseHeaders(200, -1);
                ex.close();
            });
            stub.start();
            alertUrl = "http://127.0.0.1:" + stub.getAddress().getPort();
        }
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        AlertmanagerSink.onDelivered(latencies::add);
        try {
            AnalyticsConfig cfg = base.with(AnalyticsConfig.ALERTMANAGER_URL, alertUrl);
            long interval = 100;
            int gpus = Math.max(8, (int) (rate * interval / 1000));
            int nodes = Math.max(1, gpus / 8);
            // Stamped as the rate-limited source emits them, so event time is (about) wall-clock time.
            SyntheticFleet fleet = new SyntheticFleet(nodes, 8, -1, interval, 16, 5);
            long count = (long) nodes * 8 * (seconds * 1000L / interval);
            StreamExecutionEnvironment env = env(cfg);
            DataStream<GpuSample> samples = env.fromSource(new DataGeneratorSource<>(fleet, count,
                    RateLimiterStrategy.perSecond(nodes * 8 * 1000.0 / interval), TypeInformation.of(GpuSample.class)),
                    WatermarkStrategy.noWatermarks(), "rate-limited fleet");
            AnalyticsJob.sinks(AnalyticsJob.analyse(samples, cfg), null, cfg);
            env.execute("bench: latency");
            List<Long> l;
            synchronized (latencies) {
                l = new ArrayList<>(latencies);
            }
            Collections.sort(l);
            long p50 = l.isEmpty() ? -1 : l.get(l.size() / 2);
            long p99 = l.isEmpty() ? -1 : l.get(Math.min(l.size() - 1, (int) Math.ceil(l.size() * 0.99) - 1));
            out.printf(Locale.ROOT, "  fault to alert accepted (%d GPUs at %d samples/s, %d faults): p50 %d ms, p99 %d ms, "
                    + "max %d ms%n", nodes * 8, nodes * 8 * 1000 / interval, l.size(), p50, p99,
                    l.isEmpty() ? -1 : l.get(l.size() - 1));
            return new long[] {p50, p99};
        } finally {
            AlertmanagerSink.onDelivered(null);
            if (stub != null) stub.stop(0);
        }
    }
}
