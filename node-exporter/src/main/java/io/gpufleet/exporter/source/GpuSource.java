package io.gpufleet.exporter.source;

import java.time.Duration;
import java.util.List;

/**
 * Where GPU readings come from: NVML on a real host, or a simulated node. The exporter's collection
 * loop is the only caller of {@link #read} and {@link #readSlow}; one dedicated thread calls
 * {@link #awaitEvents}. Implementations must be safe for those threads to call concurrently.
 *
 * <p>Errors are data, not exceptions: a field that cannot be read is absent from the reading with the
 * reason in {@link GpuReading#errors()}, and a GPU that stopped answering yields a
 * {@link GpuReading#lost lost} reading. Only a source that cannot start at all throws.
 */
public interface GpuSource extends AutoCloseable {

    /** The host name of the node these GPUs belong to. */
    String node();

    /** The GPUs found when the source opened, in index order. */
    List<GpuIdentity> gpus();

    /** Reads every regular field of one GPU; fast (microseconds on NVML). */
    GpuReading read(GpuIdentity gpu);

    /**
     * Reads the slow, sampling fields ({@link GpuField#slow()}) into {@code into}. NVML's PCIe throughput
     * blocks ~20 ms per call, so the collector calls this on its own cadence, never per scrape.
     */
    void readSlow(GpuIdentity gpu, GpuReading.Builder into);

    /** GPU-to-GPU connections, read once. */
    Topology topology();

    /**
     * Blocks up to {@code timeout} for critical events (XID, ECC, GPU lost) and returns those that
     * arrived, possibly none. Bounded so that shutdown is prompt.
     */
    List<GpuEvent> awaitEvents(Duration timeout) throws InterruptedException;

    /** A human-readable description, e.g. driver version or "simulated, seed 42". */
    String describe();

    @Override
    void close();
}
