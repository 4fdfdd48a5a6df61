package io.gpufleet.analytics.sink;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gpufleet.contracts.GpuFault;
import java.time.Instant;
import java.util.Collection;
import java.util.Locale;

/**
 * Alertmanager v2 alerts ({@code POST /api/v2/alerts}) for faults. The alert names and labels follow the rules in
 * alerts/: a fault whose condition a Prometheus rule also watches carries that rule's name (e.g.
 * {@code GpuXidRebootNode}), severity and runbook, so routing, grouping, inhibitions and runbooks apply to it; the
 * rest have names of their own, listed with every pushed alert under "Pushed alerts" in alerts/README.md. Labels:
 * {@code alertname}, {@code severity} (critical / warning / info), {@code node}, {@code gpu} and {@code uuid} (not
 * on a node-level fault), {@code namespace}/{@code pod} for per-pod faults, {@code kind}, {@code action}; empty
 * ones are left out, as Alertmanager treats them as absent. A resolved fault is sent with {@code endsAt} set to when
 * it cleared, which resolves the alert.
 */
public final class AlertPayload {
    private AlertPayload() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The alert name of a fault kind: the alerts/ rule's where it watches the same condition. */
    public static String alertName(GpuFault.Kind kind) {
        return switch (kind) {
            case XID_RESET_GPU -> "GpuXidResetGpu";
            case XID_REBOOT_NODE -> "GpuXidRebootNode";
            case XID_APPLICATION -> "GpuXidApplicationError";
            case XID_UNKNOWN -> "GpuXidUnknown";
            case ECC_DOUBLE_BIT -> "GpuEccDoubleBitError";
            case ROW_REMAP_FAILURE -> "GpuRowRemapFailure";
            case THERMAL_SLOWDOWN -> "GpuThermalSlowdown";
            // Power brake or hardware slowdown: broader than the rule GpuPowerBrakeSlowdown, so a name of its own.
            case POWER_SLOWDOWN -> "GpuPowerSlowdown";
            case GPU_STOPPED_REPORTING -> "GpuStoppedReporting";
            case NODE_UNREACHABLE -> "GpuNodeUnreachable";
            case MEMORY_OVER_SHARE -> "GpuPodMemoryOverShare";
            case ALLOCATED_IDLE -> "GpuAllocationIdle";
        };
    }

    public static String json(Collection<GpuFault> faults, long nowMillis, long resendMillis) {
        ArrayNode arr = JSON.createArrayNode();
        for (GpuFault f : faults) arr.add(alert(f, nowMillis, resendMillis));
        return arr.toString();
    }

    static ObjectNode alert(GpuFault f, long nowMillis, long resendMillis) {
        ObjectNode a = JSON.createObjectNode();
        ObjectNode labels = a.putObject("labels");
        String name = alertName(f.kind());
        labels.put("alertname", name);
        labels.put("severity", f.severity().name().toLowerCase(Locale.ROOT));
        labels.put("node", f.node());
        if (f.gpu() >= 0) labels.put("gpu", Integer.toString(f.gpu()));
        if (!f.uuid().isEmpty()) labels.put("uuid", f.uuid());
        if (!f.pod().isEmpty()) {
            labels.put("namespace", f.namespace());
            labels.put("pod", f.pod());
        }
        labels.put("kind", f.kind().name().toLowerCase(Locale.ROOT));
        labels.put("action", f.action());
        ObjectNode ann = a.putObject("annotations");
        ann.put("summary", f.kind().name().toLowerCase(Locale.ROOT).replace('_', ' ') + " on " + f.node()
                + (f.gpu() < 0 ? "" : " GPU " + f.gpu()));
        ann.put("description", f.evidence());
        ann.put("runbook", "alerts/README.md#" + name.toLowerCase(Locale.ROOT));
        ann.put("fault_id", f.id());
        a.put("startsAt", Instant.ofEpochMilli(f.startMillis()).toString());
        // Firing alerts carry an end a few resends ahead, so a job that stops does not leave them firing forever.
        long end = f.isActive() ? Math.max(nowMillis, f.startMillis()) + 4 * resendMillis : f.endMillis();
        a.put("endsAt", Instant.ofEpochMilli(end).toString());
        a.put("generatorURL", "http://gpufleet/analytics/faults/" + f.id().replace('@', '-'));
        return a;
    }
}
