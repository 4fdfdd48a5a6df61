package io.gpufleet.scheduler.faults;

import io.gpufleet.contracts.GpuFault;
import io.gpufleet.contracts.Topics;
import io.gpufleet.scheduler.api.ApiException;
import io.gpufleet.scheduler.api.DecisionLoop;
import io.gpufleet.scheduler.api.SchedulerService;
import io.gpufleet.scheduler.model.Allocation;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the fault stream ({@value Topics#FAULTS}) and keeps GPU health in the scheduler in step with it: an
 * active fault that takes a GPU out of service marks it unhealthy, and it is healthy again once every such fault
 * is resolved ({@link FaultHealthBook}). Health changes run on the decision loop; the pods found on a GPU that
 * goes unhealthy are logged and counted.
 *
 * <p>Each start reads the topic from the beginning (a fresh consumer group, nothing committed) so the current
 * fault state is rebuilt; replays are harmless. Malformed records are counted and skipped. When Kafka is away the
 * listener keeps trying by itself; {@code gpufleet_scheduler_faults_connected} and
 * {@code gpufleet_scheduler_faults_errors_total} show it.
 *
 * <p>Wiring: {@code new FaultStreamListener(bootstrap, loop, metrics.registry()).start()}, {@link #close()} at
 * shutdown.
 */
public final class FaultStreamListener implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FaultStreamListener.class);
    private static final int RECENT = 100;

    /**
     * Timing of the consumer.
     *
     * @param poll        longest wait of one poll
     * @param healthCheck how often the broker is asked for metadata to tell whether it is reachable
     * @param minBackoff  first wait before a new consumer after a failure (doubles up to {@code maxBackoff})
     * @param maxBackoff  longest wait between attempts
     */
    public record Timing(Duration poll, Duration healthCheck, Duration minBackoff, Duration maxBackoff) {
        public static Timing defaults() {
            return new Timing(Duration.ofMillis(500), Duration.ofSeconds(5), Duration.ofMillis(500), Duration.ofSeconds(30));
        }
    }

    /** Pods found on a GPU when a fault took it out of service. */
    public record PodsOnFaultyGpu(String faultId, String node, int gpu, List<String> pods) {}

    private final String bootstrap;
    private final String topic;
    private final DecisionLoop loop;
    private final Timing timing;
    private final FaultHealthBook book = new FaultHealthBook();
    private final Deque<PodsOnFaultyGpu> recent = new ArrayDeque<>();
    private final Thread thread;
    private volatile boolean running;
    private volatile KafkaConsumer<String, byte[]> consumer;

    private final Counter records;
    private final Counter podsReported;
    private final Counter errors;
    private final Gauge connected;

    public FaultStreamListener(String bootstrap, DecisionLoop loop, PrometheusRegistry registry) {
        this(bootstrap, Topics.FAULTS, loop, registry, Timing.defaults());
    }

    public FaultStreamListener(String bootstrap, String topic, DecisionLoop loop, PrometheusRegistry registry, Timing timing) {
        if (bootstrap == null || bootstrap.isBlank()) throw new IllegalArgumentException("bootstrap: required");
        if (topic == null || topic.isBlank()) throw new IllegalArgumentException("topic: required");
        this.bootstrap = bootstrap;
        this.topic = topic;
        this.loop = loop;
        this.timing = timing;
        records = Counter.builder().name("gpufleet_scheduler_faults_records_total")
                .help("Fault records read, by outcome (applied: changed GPU health; ignored: no health change; malformed; unknown_gpu: node or GPU not in the model; failed; reapplied: a held GPU marked out again after its node (re)joined)")
                .labelNames("outcome").register(registry);
        podsReported = Counter.builder().name("gpufleet_scheduler_faults_pods_on_unhealthy_gpu_total")
                .help("Pods found on a GPU when a fault took it out of service").register(registry);
        errors = Counter.builder().name("gpufleet_scheduler_faults_errors_total")
                .help("Failures talking to Kafka (broker unreachable, consumer errors)").register(registry);
        connected = Gauge.builder().name("gpufleet_scheduler_faults_connected")
                .help("1 while the fault stream's broker answers, else 0").register(registry);
        for (String o : List.of("applied", "ignored", "malformed", "unknown_gpu", "failed", "reapplied")) records.labelValues(o);
        thread = new Thread(this::run, "gpufleet-fault-listener");
        thread.setDaemon(true);
    }

    public FaultStreamListener start() {
        running = true;
        thread.start();
        return this;
    }

    // ---- the consumer thread ----

    private void run() {
        long backoff = timing.minBackoff().toMillis();
        while (running) {
            try (KafkaConsumer<String, byte[]> c = newConsumer()) {
                consumer = c;
                c.subscribe(List.of(topic));
                long nextCheck = 0;
                while (running) {
                    if (System.nanoTime() - nextCheck >= 0) {
                        checkBroker(c);
                        loop.run(this::reconcileSafely);
                        nextCheck = System.nanoTime() + timing.healthCheck().toNanos();
                    }
                    ConsumerRecords<String, byte[]> batch = c.poll(timing.poll());
                    if (!batch.isEmpty()) {
                        connected.set(1);
                        backoff = timing.minBackoff().toMillis();
                    }
                    CompletableFuture<Void> last = null;
                    for (ConsumerRecord<String, byte[]> r : batch) {
                        GpuFault f = decode(r);
                        if (f != null) last = loop.run(s -> applySafely(s, f));
                    }
                    // Wait for the loop before reading on, so a slow loop slows the consumer instead of piling up calls.
                    if (last != null) last.join();
                }
            } catch (WakeupException e) {
                if (running) LOG.debug("fault listener woken up");
            } catch (KafkaException | IllegalStateException e) {
                if (!running) break;
                errors.inc();
                connected.set(0);
                LOG.warn("fault stream consumer failed ({}); new consumer in {} ms", e.getMessage(), backoff);
            } catch (RuntimeException e) {
                if (!running) break;
                errors.inc();
                connected.set(0);
                LOG.warn("fault stream: {}; new consumer in {} ms", e.toString(), backoff);
            } finally {
                consumer = null;
            }
            if (!running) break;
            sleep(backoff);
            backoff = Math.min(backoff * 2, timing.maxBackoff().toMillis());
        }
        connected.set(0);
    }

    /** Asks for metadata: poll() alone never says the broker is away. */
    private void checkBroker(KafkaConsumer<String, byte[]> c) {
        try {
            c.listTopics(timing.healthCheck().compareTo(Duration.ofSeconds(2)) < 0 ? timing.healthCheck() : Duration.ofSeconds(2));
            if (connected.get() == 0) LOG.info("fault stream broker {} reachable", bootstrap);
            connected.set(1);
        } catch (WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            if (connected.get() != 0) LOG.warn("fault stream broker {} unreachable: {}", bootstrap, e.getMessage());
            errors.inc();
            connected.set(0);
        }
    }

    private GpuFault decode(ConsumerRecord<String, byte[]> r) {
        if (r.value() == null) {
            records.labelValues("malformed").inc();
            LOG.warn("fault record {}-{}@{} has no value; skipped", r.topic(), r.partition(), r.offset());
            return null;
        }
        try {
            return GpuFault.parse(new String(r.value(), StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            records.labelValues("malformed").inc();
            LOG.warn("fault record {}-{}@{} is malformed, skipped: {}", r.topic(), r.partition(), r.offset(), e.getMessage());
            return null;
        }
    }

    private KafkaConsumer<String, byte[]> newConsumer() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        // A fresh group each time with nothing committed: every start rebuilds the fault state from the whole topic.
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "gpufleet-scheduler-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "gpufleet-scheduler-faults");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        // The topic may appear after the scheduler starts; see it within seconds, not the default five minutes.
        p.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, "5000");
        p.put(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "5000");
        return new KafkaConsumer<>(p);
    }

    private void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    // ---- on the decision loop ----

    private void applySafely(SchedulerService s, GpuFault f) {
        try {
            apply(s, f);
        } catch (RuntimeException e) {
            // One bad fault must not stop the stream (or be replayed forever by a new consumer).
            records.labelValues("failed").inc();
            LOG.error("fault {} could not be applied", f.id(), e);
        }
    }

    private void reconcileSafely(SchedulerService s) {
        try {
            reconcile(s);
        } catch (RuntimeException e) {
            LOG.error("reconciling fault state with the cluster model failed", e);
        }
    }

    private void apply(SchedulerService s, GpuFault f) {
        List<FaultHealthBook.GpuKey> touched = new ArrayList<>(book.gpusOf(f.id()));
        List<FaultHealthBook.Change> changes = book.apply(f, s::gpuIndices);
        touched.addAll(book.gpusOf(f.id()));
        // The node view lists every fault holding a GPU, also a second one that changed no health.
        for (FaultHealthBook.GpuKey k : touched) s.setGpuFaults(k.node(), k.gpu(), book.activeFaults(k.node(), k.gpu()));
        if (changes.isEmpty()) {
            records.labelValues("ignored").inc();
            return;
        }
        boolean known = true;
        for (FaultHealthBook.Change c : changes) {
            known &= setHealth(s, c.node(), c.gpu(), c.healthy(), f.id(), f.kind() + " (" + f.evidence() + ")");
        }
        records.labelValues(known ? "applied" : "unknown_gpu").inc();
    }

    /** Applies one transition; false when the scheduler does not know the node or GPU. */
    private boolean setHealth(SchedulerService s, String node, int gpu, boolean healthy, String faultId, String why) {
        List<Allocation> on;
        try {
            on = s.setGpuHealth(node, gpu, healthy);
        } catch (ApiException e) {
            // A node or GPU the scheduler does not know (not joined yet, or gone): the book keeps the fault, and
            // reconcile() applies it once the node is there.
            LOG.warn("fault {}: GPU {} of {} is not in the cluster model ({})", faultId, gpu, node, e.getMessage());
            return false;
        }
        if (healthy) {
            LOG.info("GPU {} of {} back in service: fault {} resolved", gpu, node, faultId);
            return true;
        }
        List<String> pods = new ArrayList<>(on.size());
        for (Allocation a : on) pods.add(a.request().name());
        LOG.warn("GPU {} of {} out of service: fault {}, {}; pods on it: {}", gpu, node, faultId, why,
                pods.isEmpty() ? "none" : String.join(", ", pods));
        if (!pods.isEmpty()) {
            podsReported.inc(pods.size());
            synchronized (recent) {
                recent.addLast(new PodsOnFaultyGpu(faultId, node, gpu, List.copyOf(pods)));
                while (recent.size() > RECENT) recent.removeFirst();
            }
        }
        return true;
    }

    /**
     * Brings the model back in line with the active faults: a node that joined after its fault was read (in
     * Kubernetes mode the topic is replayed before the informers fill the model), or that left and came back,
     * loses the GPUs the faults hold. Runs on the loop every health-check period; it only looks at faulty nodes.
     */
    private void reconcile(SchedulerService s) {
        for (String node : book.faultyNodes()) {
            List<Integer> gpus = s.gpuIndices(node);
            if (gpus.isEmpty()) continue;
            book.expandNode(node, gpus);
            for (int i : gpus) {
                var ids = book.activeFaults(node, i);
                if (ids.isEmpty()) continue;
                s.setGpuFaults(node, i, ids);
                if (!s.isGpuHealthy(node, i)) continue;
                if (setHealth(s, node, i, false, ids.iterator().next(), "re-applied to the cluster model")) {
                    records.labelValues("reapplied").inc();
                }
            }
        }
    }

    // ---- what it shows ----

    /** Whether the broker answered the last check. */
    public boolean connected() {
        return connected.get() == 1;
    }

    /** Records read with this outcome: applied, ignored, malformed, unknown_gpu. */
    public long records(String outcome) {
        return (long) records.labelValues(outcome).get();
    }

    public long errors() {
        return (long) errors.get();
    }

    public long podsReported() {
        return (long) podsReported.get();
    }

    /** The last reports of pods found on GPUs that went out of service, oldest first. */
    public List<PodsOnFaultyGpu> recentPodReports() {
        synchronized (recent) {
            return List.copyOf(recent);
        }
    }

    @Override
    public void close() {
        running = false;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) c.wakeup();
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
