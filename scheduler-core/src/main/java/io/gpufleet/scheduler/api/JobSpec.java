package io.gpufleet.scheduler.api;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A job as submitted to {@code POST /api/v1/jobs}: one pod, several identical pods, or a gang (all-or-nothing).
 *
 * @param name         job name (DNS label); pods are named {@code name} or {@code name-0..}
 * @param namespace    tenant namespace; may be left out when the caller has exactly one
 * @param replicas     pods of the job, 1..256 (default 1)
 * @param resources    per pod, Kubernetes resource names and quantities ({@code nvidia.com/gpu}, {@code cpu}, ...)
 * @param gang         when present, the pods are a gang (PodGroup) with this minMember and timeout
 * @param quotaGroup   elastic quota group; default: the group bound to the namespace
 * @param priority     higher first, preempted last (default 0)
 * @param gpuModels    accepted GPU models (empty: any)
 * @param nodeSelector labels the node must carry
 * @param dataset      data set the job reads (data locality)
 */
public record JobSpec(String name, String namespace, Integer replicas, Map<String, String> resources, Gang gang,
                      String quotaGroup, Integer priority, List<String> gpuModels, Map<String, String> nodeSelector,
                      String dataset) {

    /** Gang options (scheduler-plugins PodGroup). */
    public record Gang(Integer minMember, Long scheduleTimeoutSeconds) {}

    public static final int MAX_REPLICAS = 256;
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    /** Replicas with the default applied. */
    public int replicaCount() {
        return replicas == null ? 1 : replicas;
    }

    /** Checks every field; throws a 400 naming the first bad one. */
    public void validate() {
        if (name == null || name.isBlank()) throw ApiException.badRequest("field 'name' is required");
        if (!DNS_LABEL.matcher(name).matches()) {
            throw ApiException.badRequest("field 'name': '" + name + "' is not a DNS label (lower-case letters, digits, '-', at most 63)");
        }
        if (namespace != null && !DNS_LABEL.matcher(namespace).matches()) {
            throw ApiException.badRequest("field 'namespace': '" + namespace + "' is not a DNS label");
        }
        if (replicas != null && (replicas < 1 || replicas > MAX_REPLICAS)) {
            throw ApiException.badRequest("field 'replicas': " + replicas + " is outside 1.." + MAX_REPLICAS);
        }
        if (resources == null || resources.isEmpty()) throw ApiException.badRequest("field 'resources' is required (e.g. {\"nvidia.com/gpu\": \"1\"})");
        for (Map.Entry<String, String> e : resources.entrySet()) {
            if (e.getValue() == null || e.getValue().isBlank()) throw ApiException.badRequest("field 'resources." + e.getKey() + "' is empty");
            if (e.getValue().trim().startsWith("-")) throw ApiException.badRequest("field 'resources." + e.getKey() + "': " + e.getValue() + " is negative");
        }
        if (gang != null) {
            if (gang.minMember() != null && (gang.minMember() < 1 || gang.minMember() > replicaCount())) {
                throw ApiException.badRequest("field 'gang.minMember': " + gang.minMember() + " is outside 1.." + replicaCount() + " (replicas)");
            }
            if (gang.scheduleTimeoutSeconds() != null && (gang.scheduleTimeoutSeconds() < 1 || gang.scheduleTimeoutSeconds() > 86_400)) {
                throw ApiException.badRequest("field 'gang.scheduleTimeoutSeconds': " + gang.scheduleTimeoutSeconds() + " is outside 1..86400");
            }
        }
        if (priority != null && (priority < -1_000_000 || priority > 1_000_000)) {
            throw ApiException.badRequest("field 'priority': " + priority + " is outside -1000000..1000000");
        }
        if (gpuModels != null) {
            for (int i = 0; i < gpuModels.size(); i++) {
                if (gpuModels.get(i) == null || gpuModels.get(i).isBlank()) throw ApiException.badRequest("field 'gpuModels[" + i + "]' is empty");
            }
        }
    }
}
