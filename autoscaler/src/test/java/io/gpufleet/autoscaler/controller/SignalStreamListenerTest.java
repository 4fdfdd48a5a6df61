package io.gpufleet.autoscaler.controller;

import io.gpufleet.contracts.time.ManualClock;
import io.gpufleet.autoscaler.policy.ScalingPolicy;
import io.gpufleet.autoscaler.policy.ScalingPolicy.MetricSpec;
import io.gpufleet.contracts.Topics;
import io.gpufleet.contracts.WorkloadSignal;
import io.gpufleet.exporter.publish.kafka.TestBroker;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.OptionalDouble;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SignalStreamListenerTest {
    static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
    static final ScalingPolicy POLICY = KubeFixture.policy("""
            apiVersion: autoscaling.gpufleet.io/v1
            kind: ScalingPolicy
            metadata: {name: llm, namespace: inference}
            spec:
              targetRef: {kind: Deployment, name: llm}
              maxReplicas: 10
              metrics:
                - type: Signal
                  signal: {name: throughput}
                  target: {type: AverageValue, averageValue: 50}
                - type: Signal
                  signal: {name: utilization}
                  target: {type: Value, value: 0.7}
                - type: Signal
                  signal: {name: queue}
                  target: {type: Value, value: 1}
            """);
    static final MetricSpec THROUGHPUT = POLICY.metrics().get(0);
    static final MetricSpec UTIL = POLICY.metrics().get(1);

    static WorkloadSignal signal(String workload, Instant end, double util, double throughput) {
        return new WorkloadSignal("inference", workload, end.toEpochMilli(), 4, util, 1e9, 0.5, throughput);
    }

    @Test
    void newestWindowOfTheTargetWinsAndStaleSignalsAreMissing() {
        ManualClock clock = new ManualClock(NOW);
        WorkloadSignals s = new WorkloadSignals(new FixedSignals(), clock, Duration.ofMinutes(2));
        assertEquals(OptionalDouble.empty(), s.total(POLICY, UTIL));
        s.accept(signal("llm", NOW.minusSeconds(10), 0.8, 120));
        s.accept(signal("llm", NOW.minusSeconds(70), 0.1, 10)); // late, older window: ignored
        s.accept(signal("other", NOW, 0.3, 1));
        assertEquals(OptionalDouble.of(0.8), s.total(POLICY, UTIL));
        assertEquals(OptionalDouble.of(120), s.total(POLICY, THROUGHPUT));
        assertThrows(IllegalArgumentException.class, () -> s.total(POLICY, POLICY.metrics().get(2)));
        clock.set(NOW.plusSeconds(111).toEpochMilli());
        assertEquals(OptionalDouble.empty(), s.total(POLICY, UTIL), "the window ended over 2 minutes ago");
        s.accept(new WorkloadSignal("inference", "llm", NOW.plusSeconds(100).toEpochMilli(), 4, 0.5, 1e9, 0.5, Double.NaN));
        assertEquals(OptionalDouble.empty(), s.total(POLICY, THROUGHPUT), "a workload that reports no throughput");
        assertEquals(OptionalDouble.of(0.5), s.total(POLICY, UTIL));
    }

    @Test
    void signalsFromTheTopicReachTheSourceAndBadRecordsAreCounted() throws Exception {
        try (TestBroker broker = TestBroker.start()) {
            broker.createTopic(Topics.SIGNALS);
            Instant start = Instant.now();
            WorkloadSignals s = new WorkloadSignals(new FixedSignals(), Clock.systemUTC(), Duration.ofMinutes(2));
            AutoscalerMetrics metrics = new AutoscalerMetrics();
            try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers()),
                    new StringSerializer(), new StringSerializer());
                 SignalStreamListener l = new SignalStreamListener(broker.bootstrapServers(), s, metrics).start()) {
                p.send(new ProducerRecord<>(Topics.SIGNALS, "inference/llm", signal("llm", start.minusSeconds(3600), 0.1, 1).toJson()));
                p.send(new ProducerRecord<>(Topics.SIGNALS, "inference/llm", "{\"namespace\":\"inference\"}"));
                p.send(new ProducerRecord<>(Topics.SIGNALS, "inference/llm", signal("llm", start, 0.9, 200).toJson()));
                p.flush();
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (s.total(POLICY, THROUGHPUT).isEmpty() && System.nanoTime() < deadline) Thread.sleep(50);
                assertEquals(OptionalDouble.of(200), s.total(POLICY, THROUGHPUT));
                assertEquals(OptionalDouble.of(0.9), s.total(POLICY, UTIL));
                while (Scrape.value(metrics.scrape(), "gpufleet_autoscaler_dependency_errors_total", Map.of("dependency", "signals")).isEmpty()
                        && System.nanoTime() < deadline) Thread.sleep(50);
                assertEquals(OptionalDouble.of(1), Scrape.value(metrics.scrape(), "gpufleet_autoscaler_dependency_errors_total",
                        Map.of("dependency", "signals")), "the malformed record");
            }
        }
    }
}
