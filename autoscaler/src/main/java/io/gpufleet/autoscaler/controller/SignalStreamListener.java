package io.gpufleet.autoscaler.controller;

import io.gpufleet.autoscaler.actuate.Backoff;
import io.gpufleet.contracts.Topics;
import io.gpufleet.contracts.WorkloadSignal;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

/**
 * Feeds stream-analytics' signals (topic {@value Topics#SIGNALS}) into {@link WorkloadSignals} on a thread of its
 * own. Each start reads the topic from the beginning with a fresh group: the newest window per workload wins and
 * stale ones are ignored by event time, so a replay is harmless. A malformed record is skipped and counted in
 * {@code gpufleet_autoscaler_dependency_errors_total{dependency="signals"}}; when Kafka fails the consumer is
 * rebuilt with backoff, and meanwhile the signals age into missing metrics.
 */
public final class SignalStreamListener implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SignalStreamListener.class);
    private final String bootstrap;
    private final WorkloadSignals signals;
    private final AutoscalerMetrics metrics;
    private final Backoff backoff = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30));
    private final Thread thread;
    private volatile boolean running;
    private volatile KafkaConsumer<String, byte[]> consumer;

    public SignalStreamListener(String bootstrap, WorkloadSignals signals, AutoscalerMetrics metrics) {
        this.bootstrap = bootstrap;
        this.signals = signals;
        this.metrics = metrics;
        this.thread = new Thread(this::loop, "gpufleet-autoscaler-signals");
        thread.setDaemon(true);
    }

    public SignalStreamListener start() {
        running = true;
        thread.start();
        return this;
    }

    private KafkaConsumer<String, byte[]> newConsumer() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "gpufleet-autoscaler-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p);
        c.subscribe(List.of(Topics.SIGNALS));
        return c;
    }

    private void loop() {
        int failures = 0;
        while (running) {
            try (KafkaConsumer<String, byte[]> c = newConsumer()) {
                consumer = c;
                while (running) {
                    for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                        accept(r);
                    }
                    failures = 0;
                }
            } catch (WakeupException e) {
                // close() asked to stop
            } catch (RuntimeException e) {
                if (!running) break;
                failures++;
                metrics.dependencyError("signals");
                Duration wait = backoff.after(failures);
                LOG.warn("signal stream {} failed, new consumer in {}: {}", bootstrap, wait, e.toString());
                try {
                    Thread.sleep(wait.toMillis());
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void accept(ConsumerRecord<String, byte[]> r) {
        try {
            signals.accept(WorkloadSignal.parse(new String(r.value(), StandardCharsets.UTF_8)));
        } catch (RuntimeException e) {
            metrics.dependencyError("signals");
            LOG.warn("signal record {}@{} skipped: {}", r.partition(), r.offset(), e.getMessage());
        }
    }

    @Override
    public void close() {
        running = false;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) c.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
