package io.gpufleet.scheduler.kube;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.gpufleet.scheduler.api.PodInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** fabric8 pods as {@link PodInfo}. */
public final class Pods {
    private Pods() {}

    public static PodInfo info(Pod p) {
        List<Map<String, String>> per = new ArrayList<>();
        if (p.getSpec() != null && p.getSpec().getContainers() != null) {
            for (Container c : p.getSpec().getContainers()) {
                Map<String, String> m = new LinkedHashMap<>();
                if (c.getResources() != null && c.getResources().getRequests() != null) {
                    for (Map.Entry<String, Quantity> e : c.getResources().getRequests().entrySet()) {
                        m.put(e.getKey(), e.getValue().getAmount() + (e.getValue().getFormat() == null ? "" : e.getValue().getFormat()));
                    }
                }
                per.add(m);
            }
        }
        Map<String, String> requests;
        try {
            requests = PodInfo.sum(per);
        } catch (RuntimeException e) {
            requests = Map.of("invalid", e.getMessage());
        }
        var spec = p.getSpec();
        return new PodInfo(p.getMetadata().getNamespace(), p.getMetadata().getName(), p.getMetadata().getUid(),
                spec == null ? null : spec.getSchedulerName(), spec == null ? null : spec.getNodeName(),
                p.getMetadata().getLabels(), p.getMetadata().getAnnotations(), requests,
                spec == null ? null : spec.getNodeSelector(), spec == null || spec.getPriority() == null ? 0 : spec.getPriority());
    }

    /** Whether the pod still holds resources (not finished). */
    public static boolean active(Pod p) {
        String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
        return !"Succeeded".equals(phase) && !"Failed".equals(phase) && p.getMetadata().getDeletionTimestamp() == null;
    }
}
