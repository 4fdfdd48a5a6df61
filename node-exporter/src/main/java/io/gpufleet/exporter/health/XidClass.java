package io.gpufleet.exporter.health;

/** What an XID asks the operator to do, condensed from NVIDIA's XID catalogue (Ampere and newer). */
public enum XidClass {
    /** The application (or its channel) faulted: restart the app; the GPU is fine. */
    APPLICATION_ERROR(HealthStatus.DEGRADED, "restart_app"),
    /** The GPU needs a reset before it can be trusted again. */
    RESET_GPU(HealthStatus.FAILED, "reset_gpu"),
    /** The node must be rebooted (e.g. XID 79, fallen off the bus). */
    REBOOT_NODE(HealthStatus.FAILED, "reboot_node"),
    /** Recorded for the operator, no action required by itself. */
    INFORMATIONAL(HealthStatus.HEALTHY, "none"),
    /** Not in gpufleet's table: flag for investigation without taking the GPU away. */
    UNKNOWN(HealthStatus.DEGRADED, "investigate");

    private final HealthStatus impact;
    private final String action;

    XidClass(HealthStatus impact, String action) {
        this.impact = impact;
        this.action = action;
    }

    /** The health the XID leaves a GPU in, on its own. */
    public HealthStatus impact() {
        return impact;
    }

    /** Recommended action label. */
    public String action() {
        return action;
    }

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
