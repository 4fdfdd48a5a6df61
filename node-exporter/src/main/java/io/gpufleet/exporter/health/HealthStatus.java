package io.gpufleet.exporter.health;

/** Health of one GPU, worst last. The metric value is the ordinal. */
public enum HealthStatus {
    HEALTHY,
    /** Usable, but something needs attention (application XID, persistent slowdown, pending remap). */
    DEGRADED,
    /** Do not schedule on it: the GPU needs a reset, the node a reboot, or the GPU is lost. */
    FAILED;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
