package io.gpufleet.analytics.sink;

import io.gpufleet.contracts.GpuFault;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.SupportsWriterState;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts faults to Alertmanager's v2 API. A background sender posts new alerts within ~{@value #SEND_PERIOD_MS} ms
 * (fault-to-alert latency), re-posts active ones every {@code resend} so they keep firing, and posts a fault's
 * resolution with {@code endsAt}. When Alertmanager is down, alerts wait in a bounded queue and are retried; the
 * job never blocks on it. Delivery is visible in {@link AnalyticsMetrics}.
 *
 * <p>The firing alerts and the resolutions not yet delivered are the writer's checkpointed state: after a restore
 * the firing ones are posted again at once and every {@code resend} after, so Alertmanager does not let them
 * expire, and a fault that clears later (the node operator's active faults are restored with it) is posted as
 * resolved.
 */
public final class AlertmanagerSink implements Sink<GpuFault>, SupportsWriterState<GpuFault, GpuFault> {
    private static final long serialVersionUID = 1L;
    static final long SEND_PERIOD_MS = 50;
    private static final int MAX_QUEUED = 10_000;

    private final String baseUrl;
    private final long resendMillis;

    /** Called with each alert's fault-to-accepted latency in ms (event time of the fault's start to now). */
    private static volatile LongConsumer latencyListener;

    public AlertmanagerSink(String baseUrl, Duration resend) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.resendMillis = resend.toMillis();
    }

    /** Installs a JVM-wide listener of delivery latencies (benchmarks and tests). */
    public static void onDelivered(LongConsumer listener) {
        latencyListener = listener;
    }

    @Override
    public StatefulSinkWriter<GpuFault, GpuFault> createWriter(WriterInitContext context) {
        return new Writer(baseUrl + "/api/v2/alerts", resendMillis, List.of());
    }

    @Override
    public StatefulSinkWriter<GpuFault, GpuFault> restoreWriter(WriterInitContext context,
                                                               Collection<GpuFault> recovered) {
        return new Writer(baseUrl + "/api/v2/alerts", resendMillis, recovered);
    }

    @Override
    public SimpleVersionedSerializer<GpuFault> getWriterStateSerializer() {
        return new FaultStateSerializer();
    }

    /** A fault in the writer's state: its contracts JSON, so the state reads back whatever the record gains. */
    static final class FaultStateSerializer implements SimpleVersionedSerializer<GpuFault> {
        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(GpuFault f) {
            return f.toJson().getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public GpuFault deserialize(int version, byte[] bytes) throws IOException {
            if (version != 1) throw new IOException("unknown alert state version " + version);
            return GpuFault.parse(new String(bytes, StandardCharsets.UTF_8));
        }
    }

    static final class Writer implements StatefulSinkWriter<GpuFault, GpuFault> {
        private static final Logger log = LoggerFactory.getLogger(AlertmanagerSink.class);
        private final URI uri;
        private final long resendMillis;
        private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        private final ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "alertmanager-sender");
            t.setDaemon(true);
            return t;
        });
        private final Object lock = new Object();
        /** To post, by fault id (a resolution replaces its firing alert). */
        private final Map<String, GpuFault> queue = new LinkedHashMap<>();
        /** Firing, by fault id, for resends. */
        private final Map<String, GpuFault> firing = new LinkedHashMap<>();
        /** Firing alerts delivered at least once (latency is reported for the first delivery only). */
        private final Set<String> delivered = new HashSet<>();
        private long lastResend;
        private long failures;
        private long nextTry;

        Writer(String url, long resendMillis, Collection<GpuFault> recovered) {
            this.uri = URI.create(url);
            this.resendMillis = resendMillis;
            for (GpuFault f : recovered) {
                if (f.isActive()) {
                    firing.put(f.id(), f);
                    // Posted before the failure: its fault-to-alert latency was reported then.
                    delivered.add(f.id());
                }
                queue.put(f.id(), f);
            }
            if (!recovered.isEmpty()) AnalyticsMetrics.shared().alertQueue(queue.size());
            sender.scheduleWithFixedDelay(this::send, SEND_PERIOD_MS, SEND_PERIOD_MS, TimeUnit.MILLISECONDS);
        }

        @Override
        public void write(GpuFault f, Context ctx) {
            synchronized (lock) {
                if (f.isActive()) firing.put(f.id(), f);
                else firing.remove(f.id());
                queue.put(f.id(), f);
                if (queue.size() > MAX_QUEUED) {
                    String oldest = queue.keySet().iterator().next();
                    queue.remove(oldest);
                    log.warn("Alertmanager queue full; dropped alert {}", oldest);
                }
                AnalyticsMetrics.shared().alertQueue(queue.size());
            }
        }

        private void send() {
            long now = System.currentTimeMillis();
            List<GpuFault> batch;
            synchronized (lock) {
                if (now < nextTry) return;
                if (now - lastResend >= resendMillis && !firing.isEmpty()) {
                    for (GpuFault f : firing.values()) queue.putIfAbsent(f.id(), f);
                    lastResend = now;
                }
                if (queue.isEmpty()) return;
                batch = new ArrayList<>(queue.values());
            }
            try {
                HttpRequest req = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(AlertPayload.json(batch, now, resendMillis))).build();
                HttpResponse<String> resp = http.send(req, HttpResponse.BodyHandlers.ofString());
                if (resp.statusCode() / 100 != 2) {
                    throw new IOException("HTTP " + resp.statusCode() + ": " + resp.body());
                }
                long accepted = System.currentTimeMillis();
                synchronized (lock) {
                    for (GpuFault f : batch) {
                        if (queue.get(f.id()) == f) queue.remove(f.id());
                    }
                    LongConsumer l = latencyListener;
                    for (GpuFault f : batch) {
                        if (!f.isActive()) {
                            delivered.remove(f.id());
                        } else if (delivered.add(f.id()) && l != null) {
                            l.accept(accepted - f.startMillis());
                        }
                    }
                    failures = 0;
                    AnalyticsMetrics.shared().alertQueue(queue.size());
                }
                AnalyticsMetrics.shared().alertsSent(batch.size());
            } catch (IOException | RuntimeException e) {
                AnalyticsMetrics.shared().alertError();
                synchronized (lock) {
                    failures++;
                    nextTry = now + Math.min(30_000, 200L << Math.min(failures, 7));
                }
                if (failures == 1 || failures % 50 == 0) {
                    log.warn("posting {} alert(s) to {} failed ({} in a row): {}", batch.size(), uri, failures, e.toString());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Firing alerts, and queued resolutions (a queued alert replaces its firing one). */
        @Override
        public List<GpuFault> snapshotState(long checkpointId) {
            synchronized (lock) {
                Map<String, GpuFault> state = new LinkedHashMap<>(firing);
                state.putAll(queue);
                return new ArrayList<>(state.values());
            }
        }

        @Override
        public void flush(boolean endOfInput) {
            if (!endOfInput) return;
            // Bounded input ended: give the sender a moment to deliver what is queued.
            long deadline = System.currentTimeMillis() + 5_000;
            while (System.currentTimeMillis() < deadline) {
                synchronized (lock) {
                    if (queue.isEmpty()) return;
                }
                try {
                    Thread.sleep(SEND_PERIOD_MS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }

        @Override
        public void close() {
            sender.shutdownNow();
        }
    }
}
