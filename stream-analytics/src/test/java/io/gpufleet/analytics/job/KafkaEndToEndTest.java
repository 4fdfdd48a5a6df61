package io.gpufleet.analytics.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.analytics.decode.DecodeFunction;
import io.gpufleet.analytics.decode.GpuSample;
import io.gpufleet.analytics.decode.PodShare;
import io.gpufleet.analytics.quota.UsageMath;
import io.gpufleet.analytics.source.KafkaSamples;
import io.gpufleet.analytics.source.SnapshotSamples;
import io.gpufleet.analytics.testing.FleetSnapshots;
import io.gpufleet.contracts.time.ManualClock;
import io.gpufleet.exporter.publish.kafka.TestBroker;
import io.gpufleet.contracts.GpuFault;
import io.gpufleet.contracts.QuotaUsage;
import io.gpufleet.contracts.WorkloadSignal;
import io.gpufleet.exporter.collect.NodeSnapshot;
import io.gpufleet.exporter.publish.otlp.OtlpMetricsEncoder;
import io.gpufleet.exporter.sim.Fault;
import io.gpufleet.exporter.sim.SimulatedFleet;
import io.gpufleet.exporter.sim.SimulationConfig;
import io.gpufleet.exporter.sim.Workload;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Exporter-shaped OTLP on a real KRaft broker in, through the job on a MiniCluster, faults, quota usage, signals
 * and dead letters out on their topics, checked against what the simulated fleet did.
 */
class KafkaEndToEndTest {
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    @Test
    void otlpInFaultsUsageSignalsAndDeadLettersOut() throws Exception {
        long day = 86_400_000L;
        long t0 = Math.floorDiv(System.currentTimeMillis(), day) * day - day + 3_600_000L; // yesterday 01:00 UTC
        ManualClock clock = new ManualClock(t0);
        Map<String, long[]> truth = new HashMap<>();
        try (TestBroker broker = TestBroker.start();
             SimulatedFleet fleet = SimulatedFleet.create(SimulationConfig.defaults().withNodes(2), clock)) {
            AnalyticsConfig cfg = AnalyticsConfig.from(Map.of("source", "kafka", "kafka-bootstrap", broker.bootstrapServers(),
                    "kafka-offsets", "earliest", "checkpoint-interval", "500ms", "metrics-port", "-1",
                    "max-future", "1h"));
            for (String t : List.of(cfg.metricsTopic(), cfg.faultsTopic(), cfg.quotaTopic(), cfg.signalsTopic(),
                    cfg.deadLetterTopic())) {
                broker.createTopic(t);
            }
            String n0 = fleet.nodes().get(0).node();
            fleet.startWork(n0, 0, new Workload("team-a", "train-x7k2p", "trainer", 0.9, 30L << 30));
            fleet.startWork(n0, 1, new Workload("team-b", "web-7d9f8b6c4-x2k9p", "srv", 0.4, 6L << 30, 8L << 30, 500));
            fleet.startWork(fleet.nodes().get(1).node(), 3, new Workload("team-b", "web-7d9f8b6c4-abcde", "srv", 0.5,
                    6L << 30, 8L << 30, 500));

            FleetSnapshots snaps = new FleetSnapshots(fleet);
            OtlpMetricsEncoder encoder = new OtlpMetricsEncoder();
            int records = 0;
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
                    broker.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
                for (int pass = 0; pass < 150; pass++) {
                    clock.advanceMillis(1000);
                    if (pass == 20) fleet.inject(n0, 2, new Fault.Xid(48));
                    if (pass == 30) fleet.inject(n0, 4, new Fault.EccSingleBit(5));
                    for (NodeSnapshot s : snaps.collect(fleet)) {
                        producer.send(new ProducerRecord<>(cfg.metricsTopic(), s.node(), encoder.encodeBytes(s)));
                        records++;
                        for (GpuSample x : SnapshotSamples.of(s)) {
                            for (PodShare p : x.pods()) {
                                long alloc = UsageMath.allocatedMillis(x, p, 1000);
                                long[] t = truth.computeIfAbsent(UsageMath.group(p), k -> new long[4]);
                                t[0] += alloc;
                                t[1] += UsageMath.usedMillis(x, alloc);
                                t[2] += UsageMath.memoryMiBMillis(x, p, 1000);
                                t[3]++;
                            }
                        }
                    }
                    if (pass == 50) {
                        producer.send(new ProducerRecord<>(cfg.metricsTopic(), "bad", "not protobuf".getBytes(StandardCharsets.UTF_8)));
                        producer.send(new ProducerRecord<>(cfg.metricsTopic(), "bad", new byte[] {0x0a, 0x7f, 0x01}));
                    }
                }
                producer.flush();
            }
            assertEquals(300, records);

            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            AnalyticsJob.configure(env, cfg);
            var decoded = AnalyticsJob.decode(env.fromSource(KafkaSamples.bounded(cfg), WatermarkStrategy.noWatermarks(),
                    "kafka"), cfg);
            AnalyticsJob.sinks(AnalyticsJob.analyse(decoded, cfg), decoded.getSideOutput(DecodeFunction.DEAD_LETTERS), cfg);
            env.execute("kafka end to end");

            List<GpuFault> faults = broker.readAll(cfg.faultsTopic(), Duration.ofSeconds(1)).stream()
                    .map(r -> GpuFault.parse(new String(r.value(), StandardCharsets.UTF_8))).toList();
            Set<String> kinds = faults.stream().map(f -> f.kind() + "@" + f.node() + "/" + f.gpu()).collect(Collectors.toSet());
            assertTrue(kinds.contains("XID_RESET_GPU@" + n0 + "/2"), kinds.toString());
            assertTrue(faults.stream().noneMatch(f -> f.gpu() == 4 && f.node().equals(n0)),
                    "corrected ECC errors are not faults: " + kinds);

            Map<String, QuotaUsage> dayTotals = new HashMap<>();
            for (ConsumerRecord<String, byte[]> r : broker.readAll(cfg.quotaTopic(), Duration.ofSeconds(1))) {
                QuotaUsage q = QuotaUsage.parse(new String(r.value(), StandardCharsets.UTF_8));
                if (q.period() == QuotaUsage.Period.DAY && q.scope() == QuotaUsage.Scope.GROUP) {
                    dayTotals.merge(q.quotaGroup(), q, (a, b) -> a.samples() >= b.samples() ? a : b);
                }
            }
            assertEquals(truth.keySet(), dayTotals.keySet());
            for (var e : truth.entrySet()) {
                QuotaUsage q = dayTotals.get(e.getKey());
                assertEquals(List.of(e.getValue()[0], e.getValue()[1], e.getValue()[2], e.getValue()[3]),
                        List.of(q.allocatedGpuMillis(), q.usedGpuMillis(), q.memoryMiBMillis(), q.samples()), e.getKey());
            }
            assertEquals(150 * 1000L, dayTotals.get("team-a").allocatedGpuMillis(), "one whole GPU for 150 s");

            List<WorkloadSignal> signals = broker.readAll(cfg.signalsTopic(), Duration.ofSeconds(1)).stream()
                    .map(r -> WorkloadSignal.parse(new String(r.value(), StandardCharsets.UTF_8))).toList();
            WorkloadSignal web = signals.stream().filter(s -> s.workload().equals("web") && s.windowEndMillis() == t0 + 100_000)
                    .findFirst().orElseThrow(() -> new AssertionError(signals.toString()));
            assertEquals(1, web.gpus(), "two half GPUs");
            assertTrue(web.utilization() > 0.2 && web.utilization() < 0.7, web.toString());

            List<ConsumerRecord<String, byte[]>> dead = broker.readAll(cfg.deadLetterTopic(), Duration.ofSeconds(1));
            assertEquals(2, dead.size());
            assertEquals("not protobuf", new String(dead.get(0).value(), StandardCharsets.UTF_8));
            assertEquals("not_protobuf", new String(dead.get(0).headers().lastHeader("reason").value(), StandardCharsets.UTF_8));
        }
    }
}
