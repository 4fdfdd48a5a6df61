package io.gpufleet.platform.up;

import io.gpufleet.exporter.NodeExporter;
import io.gpufleet.exporter.collect.GpuState;
import io.gpufleet.exporter.health.HealthStatus;
import io.gpufleet.scheduler.api.ApiException;
import io.gpufleet.scheduler.api.DecisionLoop;
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
 * shown in the node view.
 */
final class FaultBridge {
    private static final Logger LOG = LoggerFactory.getLogger(FaultBridge.class);

    private final DecisionLoop loop;
    /** GPUs out of the pool, by "node/index" (touched by the watching thread only). */
    private final Map<String, Boolean> out = new HashMap<>();
    private final AtomicLong removed = new AtomicLong(), returned = new AtomicLong();

    FaultBridge(DecisionLoop loop) {
        this.loop = loop;
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
                        if (failed) {
                            LOG.info("GPU {} of {} out of the scheduler's pool ({}); pods on it: {}", index, node,
                                    String.join(",", reasons), pods.stream().map(a -> a.pod()).toList());
                        } else {
                            LOG.info("GPU {} of {} back in the scheduler's pool", index, node);
                        }
                    } catch (ApiException unknown) {
                        LOG.debug("GPU {} of {} not in the scheduler's model: {}", index, node, unknown.getMessage());
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
