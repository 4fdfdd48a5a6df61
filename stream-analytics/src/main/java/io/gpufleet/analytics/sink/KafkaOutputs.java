package io.gpufleet.analytics.sink;

import io.gpufleet.analytics.decode.DeadLetter;
import io.gpufleet.analytics.job.AnalyticsConfig;
import io.gpufleet.contracts.GpuFault;
import io.gpufleet.contracts.QuotaUsage;
import io.gpufleet.contracts.WorkloadSignal;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Kafka sinks of the job's results, JSON values from {@code contracts/}: faults keyed by node, quota usage keyed
 * by group (and user), signals keyed by workload; and the dead-letter topic, which gets refused input unchanged
 * with headers {@code reason} and {@code error}. With delivery {@code exactly-once} the sinks write in Kafka
 * transactions committed on checkpoints.
 */
public final class KafkaOutputs {
    private KafkaOutputs() {}

    public static KafkaSink<GpuFault> faults(AnalyticsConfig cfg) {
        String topic = cfg.faultsTopic();
        return sink(cfg, "faults", (KafkaRecordSerializationSchema<GpuFault>) (f, ctx, ts) ->
                new ProducerRecord<>(topic, null, ts, utf8(f.node()), utf8(f.toJson())));
    }

    public static KafkaSink<QuotaUsage> quota(AnalyticsConfig cfg) {
        String topic = cfg.quotaTopic();
        return sink(cfg, "quota", (KafkaRecordSerializationSchema<QuotaUsage>) (u, ctx, ts) ->
                new ProducerRecord<>(topic, null, ts, utf8(u.user().isEmpty() ? u.quotaGroup() : u.quotaGroup() + "/" + u.user()),
                        utf8(u.toJson())));
    }

    public static KafkaSink<WorkloadSignal> signals(AnalyticsConfig cfg) {
        String topic = cfg.signalsTopic();
        return sink(cfg, "signals", (KafkaRecordSerializationSchema<WorkloadSignal>) (s, ctx, ts) ->
                new ProducerRecord<>(topic, null, ts, utf8(s.namespace() + "/" + s.workload()), utf8(s.toJson())));
    }

    public static KafkaSink<DeadLetter> deadLetters(AnalyticsConfig cfg) {
        String topic = cfg.deadLetterTopic();
        return sink(cfg, "dead-letters", (KafkaRecordSerializationSchema<DeadLetter>) (d, ctx, ts) -> {
            RecordHeaders h = new RecordHeaders();
            h.add(new RecordHeader("reason", utf8(d.reason())));
            h.add(new RecordHeader("error", utf8(d.message())));
            return new ProducerRecord<byte[], byte[]>(topic, null, (Long) null, null, d.value(), h);
        });
    }

    private static <T> KafkaSink<T> sink(AnalyticsConfig cfg, String name, KafkaRecordSerializationSchema<T> schema) {
        var b = KafkaSink.<T>builder().setBootstrapServers(cfg.kafkaBootstrap()).setRecordSerializer(schema);
        if (cfg.delivery() == AnalyticsConfig.Delivery.EXACTLY_ONCE) {
            b.setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                    .setTransactionalIdPrefix(cfg.kafkaGroupId() + "-" + name)
                    .setProperty("transaction.timeout.ms", "600000");
        } else {
            b.setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE);
        }
        return b.build();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
