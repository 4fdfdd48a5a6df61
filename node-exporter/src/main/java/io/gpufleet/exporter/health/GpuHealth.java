package io.gpufleet.exporter.health;

import java.util.List;

/**
 * The health verdict for one GPU and the reasons behind it, worst first.
 *
 * @param reasons short machine-friendly reason codes, e.g. {@code xid_79_reboot_node}, {@code ecc_dbe},
 *                {@code row_remap_failure}, {@code hw_thermal_slowdown}, {@code lost}
 */
public record GpuHealth(HealthStatus status, List<String> reasons) {
    public static final GpuHealth OK = new GpuHealth(HealthStatus.HEALTHY, List.of());

    public GpuHealth {
        reasons = List.copyOf(reasons);
    }

    /** The first (worst) reason, or empty when healthy. */
    public String reason() {
        return reasons.isEmpty() ? "" : reasons.get(0);
    }
}
