package io.gpufleet.exporter.publish.kafka;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/** A real single-node KRaft cluster in the test JVM (broker and controller combined); shared by every module's Kafka tests. */
public final class TestBroker implements AutoCloseable {
    private final KafkaClusterTestKit cluster;
    private final int fixedPort;

    private TestBroker(KafkaClusterTestKit cluster, int fixedPort) {
        this.cluster = cluster;
        this.fixedPort = fixedPort;
    }

    /** Starts a broker on an ephemeral port. */
    public static TestBroker start() throws Exception {
        return start(0);
    }

    /** Starts a broker whose client listener is on {@code port} (0 = any free port). */
    public static TestBroker start(int port) throws Exception {
        TestKitNodes nodes = new TestKitNodes.Builder().setCombined(true).setNumBrokerNodes(1)
                .setNumControllerNodes(1).build();
        KafkaClusterTestKit.Builder b = new KafkaClusterTestKit.Builder(nodes)
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0");
        if (port > 0) {
            // The kit pre-binds its own listeners to random ports; a third listener it does not know binds the
            // port asked for, and clients that bootstrap through it are told that address.
            b.setConfigProp("listeners", "EXTERNAL://localhost:0,CONTROLLER://localhost:0,FIXED://localhost:" + port);
            b.setConfigProp("listener.security.protocol.map", "EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT,FIXED:PLAINTEXT");
        }
        KafkaClusterTestKit cluster = b.build();
        try {
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
        return new TestBroker(cluster, port);
    }

    public String bootstrapServers() {
        return fixedPort > 0 ? "localhost:" + fixedPort : cluster.bootstrapServers();
    }

    public void createTopic(String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        } catch (ExecutionException e) {
            // A client's metadata request may have auto-created it first.
            if (!(e.getCause() instanceof TopicExistsException)) throw e;
        }
    }

    public KafkaConsumer<String, byte[]> consumer() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return new KafkaConsumer<>(p);
    }

    /** Reads {@code topic} from the beginning until {@code count} records arrived or {@code timeout} passed. */
    public List<ConsumerRecord<String, byte[]>> read(String topic, int count, Duration timeout) {
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = consumer()) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (out.size() < count && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    /** Reads everything on {@code topic}: stops once no record came for {@code quiet} after the first (30 s at most). */
    public List<ConsumerRecord<String, byte[]>> readAll(String topic, Duration quiet) {
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = consumer()) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            long lastData = System.nanoTime();
            while (System.nanoTime() < deadline && (out.isEmpty() || System.nanoTime() - lastData < quiet.toNanos())) {
                var recs = c.poll(Duration.ofMillis(200));
                if (!recs.isEmpty()) lastData = System.nanoTime();
                recs.forEach(out::add);
            }
        }
        return out;
    }

    /** A loopback port nothing listens on (closed right after being found). */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }


    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
