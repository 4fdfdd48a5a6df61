package io.gpufleet.analytics.sink;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gpufleet.contracts.GpuFault;
import java.time.Instant;
import java.util.Collection;
import java.util.Locale;

/**
 * Alertmanager v2 alerts ({@code POST /api/v2/alerts}) for faults. Labels: {@code alertname} (e.g.
 * {@code GpuXidRebootNode}), {@code severity} (critical / warning / info), {@code node}, {@code gpu},
 * {@code uuid}, {@code kind}, {@code action}, and {@code namespace}/{@code pod} for per-pod faults. A resolved
 * fault is sent with {@code endsAt} set to when it cleared, which resolves the alert.
 */
public final class AlertPayload {
    private AlertPayload() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    public static String json(Collection<GpuFault> faults, long nowMillis, long resendMillis) {
        ArrayNode arr = JSON.createArrayNode();
        for (GpuFault f : faults) arr.add(alert(f, nowMillis, resendMillis));
        return arr.toString();
    }

    static ObjectNode alert(GpuFault f, long nowMillis, long resendMillis) {
        ObjectNode a = JSON.createObjectNode();
        ObjectNode labels = a.putObject("labels");
        labels.put("alertname", f.alertName());
        labels.put("severity", f.severity().name().toLowerCase(Locale.ROOT));
        labels.put("node", f.node());
        labels.put("gpu", f.gpu() < 0 ? "" : Integer.toString(f.gpu()));
        labels.put("uuid", f.uuid());
        labels.put("kind", f.kind().name().toLowerCase(Locale.ROOT));
        labels.put("action", f.action());
        if (!f.pod().isEmpty()) {
            labels.put("namespace", f.namespace());
            labels.put("pod", f.pod());
        }
        ObjectNode ann = a.putObject("annotations");
        ann.put("summary", f.kind().name().toLowerCase(Locale.ROOT).replace('_', ' ') + " on " + f.node()
                + (f.gpu() < 0 ? "" : " GPU " + f.gpu()));
        ann.put("description", f.evidence());
        ann.put("fault_id", f.id());
        a.put("startsAt", Instant.ofEpochMilli(f.startMillis()).toString());
        // Firing alerts carry an end a few resends ahead, so a job that stops does not leave them firing forever.
        long end = f.isActive() ? Math.max(nowMillis, f.startMillis()) + 4 * resendMillis : f.endMillis();
        a.put("endsAt", Instant.ofEpochMilli(end).toString());
        a.put("generatorURL", "http://gpufleet/analytics/faults/" + f.id().replace('@', '-'));
        return a;
    }
}
