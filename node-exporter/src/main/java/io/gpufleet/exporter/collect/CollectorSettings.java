package io.gpufleet.exporter.collect;

import java.time.Duration;

/**
 * Cadences of the collection loop.
 *
 * @param interval      regular pass over every GPU (fast NVML calls)
 * @param slowInterval  pass over slow, sampling calls (PCIe throughput blocks ~20 ms per call)
 * @param eventWait     how long the event thread blocks per wait; bounds shutdown latency
 */
public record CollectorSettings(Duration interval, Duration slowInterval, Duration eventWait) {
    public static final CollectorSettings DEFAULT =
            new CollectorSettings(Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofMillis(500));

    public CollectorSettings {
        if (interval.toMillis() < 10) throw new IllegalArgumentException("interval must be at least 10ms");
        if (slowInterval.toMillis() < 10) throw new IllegalArgumentException("slowInterval must be at least 10ms");
        if (eventWait.toMillis() < 1) throw new IllegalArgumentException("eventWait must be at least 1ms");
    }
}
