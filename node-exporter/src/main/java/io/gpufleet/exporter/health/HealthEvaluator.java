package io.gpufleet.exporter.health;

import io.gpufleet.exporter.collect.XidStat;
import io.gpufleet.exporter.source.ClockEventReason;
import io.gpufleet.exporter.source.GpuField;
import io.gpufleet.exporter.source.GpuReading;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns one GPU's reading and event history into a verdict. Pure: no I/O, time comes in as an argument.
 * The caller keeps per-GPU memory (when a hardware slowdown started) in a {@link SlowdownTracker}.
 *
 * <p>Rules, worst first: lost GPU → failed ({@code lost}, after any recent fatal XID such as
 * {@code xid_79_reboot_node}, which names the action); a recent XID of class reset/reboot → failed
 * ({@code xid_<code>_<action>}); uncorrectable ECC since the driver loaded → failed ({@code ecc_dbe});
 * row-remap failure → failed; pending row remap or pending page retirement → degraded (reset needed at a
 * convenient time); driver recovery action other than none → failed; a hardware slowdown lasting longer
 * than the policy's persistence → degraded; a recent application XID or an unknown XID → degraded.
 */
public final class HealthEvaluator {
    private final HealthPolicy policy;

    public HealthEvaluator(HealthPolicy policy) {
        this.policy = policy;
    }

    /** Remembers since when a GPU has been continuously slowed down by hardware. */
    public static final class SlowdownTracker {
        private long since = -1;

        long update(boolean slowed, long nowMillis) {
            if (!slowed) since = -1;
            else if (since < 0) since = nowMillis;
            return since;
        }
    }

    public GpuHealth evaluate(GpuReading r, List<XidStat> xids, SlowdownTracker slowdown, long nowMillis) {
        List<String> failed = new ArrayList<>(2);
        List<String> degraded = new ArrayList<>(2);
        for (XidStat x : xids) {
            if (nowMillis - x.lastSeenMillis() > policy.xidWindow().toMillis()) continue;
            XidClass c = XidCatalog.classify(x.xid());
            String reason = "xid_" + x.xid() + "_" + c.action();
            if (c.impact() == HealthStatus.FAILED) failed.add(reason);
            else if (c.impact() == HealthStatus.DEGRADED) degraded.add(reason);
        }
        if (r.lost()) {
            // The XID that preceded the loss (79: fallen off the bus) says what to do, so it comes first.
            failed.add("lost");
            return new GpuHealth(HealthStatus.FAILED, failed);
        }
        if (r.value(GpuField.ECC_DOUBLE_BIT_VOLATILE_TOTAL) > 0) failed.add("ecc_dbe");
        if (r.value(GpuField.ROW_REMAP_FAILURE) > 0) failed.add("row_remap_failure");
        double action = r.value(GpuField.RECOVERY_ACTION);
        if (action == 1 || action == 4) failed.add("recovery_action_reset");
        else if (action == 2) failed.add("recovery_action_reboot");
        else if (action > 0) degraded.add("recovery_action_" + (long) action);
        if (r.value(GpuField.ROW_REMAP_PENDING) > 0) degraded.add("row_remap_pending");
        if (r.value(GpuField.RETIRED_PAGES_PENDING) > 0) degraded.add("retired_pages_pending");

        long reasons = r.has(GpuField.CLOCK_EVENT_REASONS) ? (long) r.value(GpuField.CLOCK_EVENT_REASONS) : 0;
        ClockEventReason worstSlowdown = null;
        for (ClockEventReason c : ClockEventReason.values()) {
            if (c.actionable() && c.isSet(reasons)) {
                worstSlowdown = c;
                break;
            }
        }
        long since = slowdown.update(worstSlowdown != null, nowMillis);
        if (worstSlowdown != null && nowMillis - since >= policy.slowdownPersistence().toMillis()) {
            degraded.add(worstSlowdown.label());
        }

        if (!failed.isEmpty()) {
            failed.addAll(degraded);
            return new GpuHealth(HealthStatus.FAILED, failed);
        }
        if (!degraded.isEmpty()) return new GpuHealth(HealthStatus.DEGRADED, degraded);
        return GpuHealth.OK;
    }
}
