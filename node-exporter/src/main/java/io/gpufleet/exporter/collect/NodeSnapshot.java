package io.gpufleet.exporter.collect;

import io.gpufleet.exporter.source.Topology;
import java.util.List;
import java.util.Map;

/**
 * An immutable picture of one node's GPUs, produced by a collection pass. Scrapes and publishers
 * only read snapshots; they never call the GPU source.
 *
 * @param node             host name
 * @param timestampMillis  when the pass finished
 * @param sequence         pass number since start (1, 2, ...)
 * @param gpus             per GPU, in index order
 * @param topology         GPU-to-GPU connections
 * @param stats            how the collection itself is doing
 */
public record NodeSnapshot(String node, long timestampMillis, long sequence, List<GpuState> gpus, Topology topology,
                           CollectionStats stats) {
    public NodeSnapshot {
        gpus = List.copyOf(gpus);
    }

    /**
     * @param lastDurationSeconds wall time of the last pass
     * @param passes              passes since start
     * @param fieldErrors         per field name: reads that failed since start (NOT_SUPPORTED included)
     * @param sourceDescription   e.g. driver version, or "simulated"
     */
    public record CollectionStats(double lastDurationSeconds, long passes, Map<String, Long> fieldErrors,
                                  String sourceDescription) {
        public CollectionStats {
            fieldErrors = Map.copyOf(fieldErrors);
        }
    }
}
