package io.gpufleet.analytics.source;

import io.gpufleet.analytics.job.AnalyticsConfig;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The Kafka source of OTLP records (topic {@code gpufleet.metrics}): record values as bytes, decoded by the
 * job's first operator. Offsets are part of Flink's checkpoints, so a restore re-reads exactly what was not yet
 * reflected in the job's state.
 */
public final class KafkaSamples {
    private KafkaSamples() {}

    /** An unbounded source per the config. */
    public static KafkaSource<byte[]> source(AnalyticsConfig cfg) {
        return builder(cfg).build();
    }

    /** A source that stops at the offsets that are latest when the job starts (tests, replays). */
    public static KafkaSource<byte[]> bounded(AnalyticsConfig cfg) {
        return builder(cfg).setBounded(OffsetsInitializer.latest()).build();
    }

    private static org.apache.flink.connector.kafka.source.KafkaSourceBuilder<byte[]> builder(AnalyticsConfig cfg) {
        OffsetsInitializer start = switch (cfg.kafkaOffsets()) {
            case EARLIEST -> OffsetsInitializer.earliest();
            case LATEST -> OffsetsInitializer.latest();
            case COMMITTED -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
        };
        return KafkaSource.<byte[]>builder()
                .setBootstrapServers(cfg.kafkaBootstrap())
                .setTopics(cfg.metricsTopic())
                .setGroupId(cfg.kafkaGroupId())
                .setStartingOffsets(start)
                .setDeserializer(KafkaRecordDeserializationSchema.valueOnly(ByteArrayDeserializer.class))
                .setProperty("partition.discovery.interval.ms", "60000")
                .setProperty("commit.offsets.on.checkpoint", "true");
    }
}
