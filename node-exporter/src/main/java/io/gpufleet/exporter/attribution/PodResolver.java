package io.gpufleet.exporter.attribution;

import io.gpufleet.exporter.source.GpuIdentity;
import io.gpufleet.exporter.source.ProcessReading;
import java.util.List;

/**
 * Tells which pods use a GPU. Called by the collection loop once per GPU per pass, so it must answer
 * from memory (an informer cache, a parsed-cgroup cache), never with a blocking remote call.
 */
public interface PodResolver extends AutoCloseable {

    /** The pods on {@code gpu}, given the compute processes NVML reports on it; empty when none or unknown. */
    List<PodRef> podsFor(GpuIdentity gpu, List<ProcessReading> processes);

    /** How attribution is doing, for the exporter's own metrics; empty for resolvers with nothing to report. */
    default java.util.Optional<AttributionStats> stats() {
        return java.util.Optional.empty();
    }

    /** How each polled source is doing (e.g. the kubelet's PodResources API); empty for resolvers that poll none. */
    default List<SourceStats> sourceStats() {
        return List.of();
    }

    /**
     * Polls the sources that are polled rather than watched. The collector calls it on its slow pass, off the
     * regular pass's thread, so it may block for a bounded time; {@link #podsFor} keeps answering meanwhile.
     */
    default void refresh() {}

    /** Without Kubernetes: no attribution, empty labels. */
    PodResolver NONE = (gpu, processes) -> List.of();

    @Override
    default void close() {}
}
