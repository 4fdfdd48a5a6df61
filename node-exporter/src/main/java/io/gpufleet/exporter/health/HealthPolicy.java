package io.gpufleet.exporter.health;

import java.time.Duration;

/**
 * Tunables of the health rules.
 *
 * @param xidWindow           how long an XID keeps affecting health after it was last seen (the never-resetting
 *                            counter keeps the history; the verdict follows recent events)
 * @param slowdownPersistence how long a hardware slowdown must last before the GPU counts as degraded
 */
public record HealthPolicy(Duration xidWindow, Duration slowdownPersistence) {
    public static final HealthPolicy DEFAULT = new HealthPolicy(Duration.ofMinutes(15), Duration.ofSeconds(60));

    public HealthPolicy {
        if (xidWindow.isNegative() || xidWindow.isZero()) throw new IllegalArgumentException("xidWindow must be > 0");
        if (slowdownPersistence.isNegative()) throw new IllegalArgumentException("slowdownPersistence must be >= 0");
    }
}
