package io.gpufleet.exporter.publish.kafka;

import io.gpufleet.contracts.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Configuration of the {@link KafkaMetricsPublisher}, validated when built: a bad value fails at start-up
 * with the option's name in the message.
 *
 * @param bootstrapServers     {@code host:port[,host:port...]} of the Kafka cluster (required)
 * @param topic                topic to write to; default {@link Topics#METRICS}
 * @param maxBufferedSnapshots snapshots held while Kafka is slow or down (queued plus in flight); beyond
 *                             it the oldest queued snapshot is dropped. Default 120 (two minutes at 1 s)
 * @param deliveryTimeout      how long one record may take from send to acknowledgement before it is
 *                             retried from the buffer ({@code delivery.timeout.ms}); default 30 s
 * @param linger               batching delay ({@code linger.ms}); default 5 ms, less than deliveryTimeout
 * @param compression          {@code none}, {@code gzip}, {@code snappy}, {@code lz4} or {@code zstd}; default
 *                             {@code lz4} (cheap on the node's CPU and has a pure-Java fallback)
 * @param acks                 {@code all} (or {@code -1}), {@code 1} or {@code 0}; default {@code all}
 * @param clientId             the producer's {@code client.id}; default {@code gpufleet-exporter}
 * @param metadataTimeout      how long the sender thread waits for topic metadata before it counts the
 *                             broker as unreachable and backs off ({@code max.block.ms}); default 1 s. The
 *                             caller of {@code publish} never waits on it
 * @param retryBackoff         pause of the sender after a failed attempt; default 500 ms
 * @param closeTimeout         how long {@code close()} may spend delivering what is buffered; default 2 s
 * @param extraProperties      further producer properties (TLS, SASL, ...); they override the derived ones
 *                             except the serializers; unknown names are rejected
 */
public record KafkaPublisherConfig(String bootstrapServers, String topic, int maxBufferedSnapshots,
                                   Duration deliveryTimeout, Duration linger, String compression, String acks,
                                   String clientId, Duration metadataTimeout, Duration retryBackoff,
                                   Duration closeTimeout, Map<String, String> extraProperties) {

    public static final int DEFAULT_MAX_BUFFERED = 120;
    public static final Duration DEFAULT_DELIVERY_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_LINGER = Duration.ofMillis(5);
    public static final String DEFAULT_COMPRESSION = "lz4";
    public static final String DEFAULT_ACKS = "all";
    public static final String DEFAULT_CLIENT_ID = "gpufleet-exporter";
    public static final Duration DEFAULT_METADATA_TIMEOUT = Duration.ofSeconds(1);
    public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofMillis(500);
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(2);

    private static final Set<String> COMPRESSIONS = Set.of("none", "gzip", "snappy", "lz4", "zstd");
    private static final Set<String> ACKS = Set.of("all", "-1", "0", "1");
    private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
    private static final Pattern HOST_PORT = Pattern.compile("\\[?[A-Za-z0-9.:_-]+]?:(\\d{1,5})");
    private static final int MAX_BUFFER_LIMIT = 100_000;

    public KafkaPublisherConfig {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw bad("bootstrapServers", "must name at least one host:port", bootstrapServers);
        }
        bootstrapServers = bootstrapServers.strip();
        for (String s : bootstrapServers.split(",")) {
            var m = HOST_PORT.matcher(s.strip());
            if (!m.matches() || Integer.parseInt(m.group(1)) < 1 || Integer.parseInt(m.group(1)) > 65535) {
                throw bad("bootstrapServers", "entries must be host:port with a port 1..65535", s.strip());
            }
        }
        if (topic == null || !TOPIC.matcher(topic).matches() || topic.equals(".") || topic.equals("..")) {
            throw bad("topic", "must be 1-249 of [a-zA-Z0-9._-]", topic);
        }
        if (maxBufferedSnapshots < 1 || maxBufferedSnapshots > MAX_BUFFER_LIMIT) {
            throw bad("maxBufferedSnapshots", "must be in 1.." + MAX_BUFFER_LIMIT, maxBufferedSnapshots);
        }
        positive("deliveryTimeout", deliveryTimeout);
        nonNegative("linger", linger);
        if (linger.compareTo(deliveryTimeout) >= 0) {
            throw bad("linger", "must be shorter than deliveryTimeout (" + deliveryTimeout + ")", linger);
        }
        if (deliveryTimeout.toMillis() > Integer.MAX_VALUE) throw bad("deliveryTimeout", "is too long", deliveryTimeout);
        compression = compression == null ? null : compression.strip().toLowerCase(java.util.Locale.ROOT);
        if (compression == null || !COMPRESSIONS.contains(compression)) {
            throw bad("compression", "must be one of " + COMPRESSIONS, compression);
        }
        acks = acks == null ? null : acks.strip().toLowerCase(java.util.Locale.ROOT);
        if (acks == null || !ACKS.contains(acks)) throw bad("acks", "must be one of " + ACKS, acks);
        if (clientId == null || clientId.isBlank()) throw bad("clientId", "must not be blank", clientId);
        positive("metadataTimeout", metadataTimeout);
        nonNegative("retryBackoff", retryBackoff);
        nonNegative("closeTimeout", closeTimeout);
        extraProperties = Map.copyOf(Objects.requireNonNullElse(extraProperties, Map.of()));
        for (String key : extraProperties.keySet()) {
            if (!ProducerConfig.configNames().contains(key)) {
                throw bad("extraProperties", "'" + key + "' is not a Kafka producer property", key);
            }
            if (key.equals(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG) || key.equals(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG)) {
                throw bad("extraProperties", "'" + key + "' is fixed by the publisher", key);
            }
        }
        try {
            // Parses every value with Kafka's own types and validators, without building a client.
            ProducerConfig.configDef().parse(producerProperties(bootstrapServers, deliveryTimeout, linger, compression,
                    acks, clientId, metadataTimeout, extraProperties));
        } catch (ConfigException e) {
            throw new IllegalArgumentException("kafka publisher option 'extraProperties': " + e.getMessage(), e);
        }
    }

    /** Defaults for everything but the bootstrap servers. */
    public static KafkaPublisherConfig defaults(String bootstrapServers) {
        return new KafkaPublisherConfig(bootstrapServers, Topics.METRICS, DEFAULT_MAX_BUFFERED, DEFAULT_DELIVERY_TIMEOUT,
                DEFAULT_LINGER, DEFAULT_COMPRESSION, DEFAULT_ACKS, DEFAULT_CLIENT_ID, DEFAULT_METADATA_TIMEOUT,
                DEFAULT_RETRY_BACKOFF, DEFAULT_CLOSE_TIMEOUT, Map.of());
    }

    public KafkaPublisherConfig withTopic(String t) {
        return new KafkaPublisherConfig(bootstrapServers, t, maxBufferedSnapshots, deliveryTimeout, linger, compression,
                acks, clientId, metadataTimeout, retryBackoff, closeTimeout, extraProperties);
    }

    public KafkaPublisherConfig withMaxBufferedSnapshots(int n) {
        return new KafkaPublisherConfig(bootstrapServers, topic, n, deliveryTimeout, linger, compression,
                acks, clientId, metadataTimeout, retryBackoff, closeTimeout, extraProperties);
    }

    public KafkaPublisherConfig withDeliveryTimeout(Duration d) {
        return new KafkaPublisherConfig(bootstrapServers, topic, maxBufferedSnapshots, d, linger, compression,
                acks, clientId, metadataTimeout, retryBackoff, closeTimeout, extraProperties);
    }

    public KafkaPublisherConfig withLinger(Duration d) {
        return new KafkaPublisherConfig(bootstrapServers, topic, maxBufferedSnapshots, deliveryTimeout, d, compression,
                acks, clientId, metadataTimeout, retryBackoff, closeTimeout, extraProperties);
    }

    public KafkaPublisherConfig withCompression(String c) {
        return new KafkaPublisherConfig(bootstrapServers, topic, maxBufferedSnapshots, deliveryTimeout, linger, c,
                acks, clientId, metadataTimeout, retryBackoff, closeTimeout, extraProperties);
    }

    public KafkaPublisherConfig withAcks(String a) {
        return new KafkaPublisherConfig(bootstrapServers, topic, maxBufferedSnapshots, deliveryTimeout, linger, compression,
                a, clientId, metadataTimeout, retryBackoff, closeTimeout, extraProperties);
    }

    public KafkaPublisherConfig withClientId(String id) {
        return new KafkaPublisherConfig(bootstrapServers, topic, maxBufferedSnapshots, deliveryTimeout, linger, compression,
                acks, id, metadataTimeout, retryBackoff, closeTimeout, extraProperties);
    }

    public KafkaPublisherConfig withMetadataTimeout(Duration d) {
        return new KafkaPublisherConfig(bootstrapServers, topic, maxBufferedSnapshots, deliveryTimeout, linger, compression,
                acks, clientId, d, retryBackoff, closeTimeout, extraProperties);
    }

    public KafkaPublisherConfig withRetryBackoff(Duration d) {
        return new KafkaPublisherConfig(bootstrapServers, topic, maxBufferedSnapshots, deliveryTimeout, linger, compression,
                acks, clientId, metadataTimeout, d, closeTimeout, extraProperties);
    }

    public KafkaPublisherConfig withCloseTimeout(Duration d) {
        return new KafkaPublisherConfig(bootstrapServers, topic, maxBufferedSnapshots, deliveryTimeout, linger, compression,
                acks, clientId, metadataTimeout, retryBackoff, d, extraProperties);
    }

    public KafkaPublisherConfig withExtraProperties(Map<String, String> props) {
        return new KafkaPublisherConfig(bootstrapServers, topic, maxBufferedSnapshots, deliveryTimeout, linger, compression,
                acks, clientId, metadataTimeout, retryBackoff, closeTimeout, props);
    }

    /** The producer properties this configuration stands for (serializers included). */
    public Map<String, Object> producerProperties() {
        return producerProperties(bootstrapServers, deliveryTimeout, linger, compression, acks, clientId, metadataTimeout,
                extraProperties);
    }

    private static Map<String, Object> producerProperties(String bootstrap, Duration delivery, Duration linger,
                                                          String compression, String acks, String clientId,
                                                          Duration metadataTimeout, Map<String, String> extra) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.ACKS_CONFIG, acks);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
        p.put(ProducerConfig.LINGER_MS_CONFIG, Long.toString(linger.toMillis()));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(delivery.toMillis()));
        // Kafka requires delivery.timeout >= linger + request.timeout: derive the request timeout to fit.
        long request = Math.min(30_000, delivery.toMillis() - linger.toMillis());
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(Math.max(1, request)));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(metadataTimeout.toMillis()));
        // Reconnect quickly once the broker is back; the sender's own backoff keeps an outage quiet.
        p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "1000");
        // acks=all with idempotence is Kafka's default; acks 0/1 are incompatible with it.
        if (!acks.equals("all") && !acks.equals("-1")) p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        p.putAll(new HashMap<>(extra));
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }

    private static void positive(String option, Duration d) {
        if (d == null || d.isZero() || d.isNegative()) throw bad(option, "must be a positive duration", d);
    }

    private static void nonNegative(String option, Duration d) {
        if (d == null || d.isNegative()) throw bad(option, "must be zero or positive", d);
    }

    private static IllegalArgumentException bad(String option, String why, Object value) {
        return new IllegalArgumentException("kafka publisher option '" + option + "' " + why + ", was: " + value);
    }
}
