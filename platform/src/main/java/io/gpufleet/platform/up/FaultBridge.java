package io.gpufleet.platform.up;

import io.gpufleet.exporter.NodeExporter;
import io.gpufleet.exporter.collect.GpuState;
import io.gpufleet.exporter.health.HealthStatus;
import io.gpufleet.scheduler.api.ApiException;
import io.gpufleet.scheduler.api.DecisionLoop;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Faults reach the scheduler in one JVM: a GPU its exporter classifies as failed (XID of the reset or reboot
 * class, double-bit ECC, row-remap failure, fallen off the bus) leaves the scheduler's pool, and comes back when
 * the exporter sees it healthy or degraded again. It does on the decision loop what the scheduler's fault stream
 * listener does for {@code gpufleet.faults} records from Kafka, with the exporter's health reasons as the fault ids
 * shown in the node view, and it counts in the listener's metrics ({@code gpufleet_scheduler_faults_*}: one record per
 * health change, by outcome; connected, as an in-process source always is; no broker errors) so the scheduler's
 * fault-stream panels and alerts read the same series as with Kafka.
 */
final class FaultBridge {
    private static final Logger LOG = LoggerFactory.getLogger(FaultBridge.class);

    private final DecisionLoop loop;
    /** GPUs out of the pool, by "node/index" (touched by the watching thread only). */
    private final Map<String, Boolean> out = new HashMap<>();
    private final AtomicLong removed = new AtomicLong(), returned = new AtomicLong();
    private final Counter records, podsReported;

    FaultBridge(DecisionLoop loop, PrometheusRegistry registry) {
        this.loop = loop;
        records = Counter.builder().name("gpufleet_scheduler_faults_records_total")
                .help("Fault records read, by outcome (applied: changed GPU health; unknown_gpu: node or GPU not in the model; failed)")
                .labelNames("outcome").register(registry);
        for (String o : List.of("applied", "unknown_gpu", "failed")) records.labelValues(o);
        podsReported = Counter.builder().name("gpufleet_scheduler_faults_pods_on_unhealthy_gpu_total")
                .help("Pods found on a GPU when a fault took it out of service").register(registry);
        Counter.builder().name("gpufleet_scheduler_faults_errors_total")
                .help("Failures talking to the fault source (none in process)").register(registry);
        Gauge.builder().name("gpufleet_scheduler_faults_connected").help("1 while the fault source answers, else 0")
                .register(registry).set(1);
    }

    /** Compares every GPU's health with what the scheduler was told; sends the changes. */
    void observe(List<NodeExporter> exporters) {
        for (NodeExporter e : exporters) {
            for (GpuState g : e.collector().snapshot().gpus()) {
                String node = g.reading().gpu().node();
                int index = g.reading().gpu().index();
                boolean failed = g.health().status() == HealthStatus.FAILED;
                String key = node + "/" + index;
                if (failed == out.getOrDefault(key, false)) continue;
                out.put(key, failed);
                List<String> reasons = failed ? List.copyOf(g.health().reasons()) : List.of();
                (failed ? removed : returned).incrementAndGet();
                loop.run(s -> {
                    try {
                        var pods = s.setGpuHealth(node, index, !failed);
                        s.setGpuFaults(node, index, reasons);
                        records.labelValues("applied").inc();
                        if (failed) {
                            podsReported.inc(pods.size());
                            LOG.info("GPU {} of {} out of the scheduler's pool ({}); pods on it: {}", index, node,
                                    String.join(",", reasons), pods.stream().map(a -> a.pod()).toList());
                        } else {
                            LOG.info("GPU {} of {} back in the scheduler's pool", index, node);
                        }
                    } catch (ApiException unknown) {
                        records.labelValues("unknown_gpu").inc();
                        LOG.debug("GPU {} of {} not in the scheduler's model: {}", index, node, unknown.getMessage());
                    } catch (RuntimeException failure) {
                        records.labelValues("failed").inc();
                        LOG.warn("GPU {} of {}: health change not applied: {}", index, node, failure.toString());
                    }
                });
            }
        }
    }

    /** GPUs taken out of the pool so far, and returned. */
    long removed() {
        return removed.get();
    }

    long returned() {
        return returned.get();
    }
}
