package io.gpufleet.scheduler.api;

import io.gpufleet.contracts.ResourceNames;
import io.gpufleet.scheduler.model.Request;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the scheduler needs from a Kubernetes pod, read either from an extender call's JSON or from a fabric8 pod.
 *
 * @param requests the pod's requests, summed over its containers
 */
public record PodInfo(String namespace, String name, String uid, String schedulerName, String nodeName,
                      Map<String, String> labels, Map<String, String> annotations, Map<String, String> requests,
                      Map<String, String> nodeSelector, int priority) {

    /** Pod annotation overriding the quota group (default: the group bound to the namespace). */
    public static final String QUOTA_GROUP_ANNOTATION = "gpufleet.io/quota-group";
    /** Pod annotation: comma-separated GPU models the pod accepts. */
    public static final String GPU_MODELS_ANNOTATION = "gpufleet.io/gpu-models";
    /** Pod annotation: the data set the pod reads. */
    public static final String DATASET_ANNOTATION = "gpufleet.io/dataset";

    public PodInfo {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
        requests = requests == null ? Map.of() : Map.copyOf(requests);
        nodeSelector = nodeSelector == null ? Map.of() : Map.copyOf(nodeSelector);
    }

    /** {@code namespace/name}: the pod's name inside the scheduler. */
    public String key() {
        return namespace + "/" + name;
    }

    /** The gang's name inside the scheduler ({@code namespace/podgroup}), or {@code null}. */
    public String podGroup() {
        String g = labels.get(ResourceNames.POD_GROUP_LABEL);
        return g == null || g.isBlank() ? null : namespace + "/" + g;
    }

    /**
     * The scheduler request.
     *
     * @param defaultQuotaGroup the namespace's quota group, or {@code null}
     * @throws ApiException 400 naming the resource when a request is bad
     */
    public Request toRequest(String defaultQuotaGroup) {
        String quota = annotations.getOrDefault(QUOTA_GROUP_ANNOTATION, defaultQuotaGroup);
        Set<String> models = new HashSet<>();
        String m = annotations.get(GPU_MODELS_ANNOTATION);
        if (m != null) Arrays.stream(m.split(",")).map(String::trim).filter(s -> !s.isEmpty()).forEach(models::add);
        try {
            return Request.builder(key()).resources(schedulable(requests)).priority(priority).quotaGroup(quota)
                    .podGroup(podGroup()).allowedModels(models).nodeSelector(nodeSelector)
                    .dataset(annotations.get(DATASET_ANNOTATION)).build();
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    private static final Set<String> KNOWN = Set.of("cpu", "memory", "ephemeral-storage", ResourceNames.GPU,
            ResourceNames.GPU_MEMORY_MIB, ResourceNames.GPU_CORE_PERCENT, ResourceNames.ALIYUN_GPU_MEM_GIB,
            ResourceNames.KOORDINATOR_GPU_MEMORY_RATIO, ResourceNames.KOORDINATOR_GPU_CORE);

    /** Real pods ask for resources the scheduler does not model (hugepages, NICs): those are left to the kubelet. */
    private static Map<String, String> schedulable(Map<String, String> all) {
        Map<String, String> out = new LinkedHashMap<>();
        all.forEach((k, v) -> { if (KNOWN.contains(k)) out.put(k, v); });
        return out;
    }

    /**
     * Sums one resource over containers. Same unit suffix: numbers add; different suffixes are refused rather than
     * guessed (a plain {@code gpufleet.io/gpu-memory} is MiB while {@code 8Gi} is bytes).
     */
    public static Map<String, String> sum(List<Map<String, String>> perContainer) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map<String, String> c : perContainer) {
            for (Map.Entry<String, String> e : c.entrySet()) {
                out.merge(e.getKey(), e.getValue(), (a, b) -> add(e.getKey(), a, b));
            }
        }
        return out;
    }

    private static String add(String resource, String a, String b) {
        String sa = suffix(a), sb = suffix(b);
        try {
            if (sa.equals(sb)) return number(a, sa).add(number(b, sb)).toPlainString() + sa;
            // A plain gpufleet.io/gpu-memory is MiB while 8Gi is bytes: mixing them is refused, not guessed.
            if (resource.equals(ResourceNames.GPU_MEMORY_MIB)) {
                throw ApiException.badRequest("resource " + resource + ": containers ask in different units (" + a + ", " + b + ")");
            }
            return number(a, sa).multiply(scale(resource, sa)).add(number(b, sb).multiply(scale(resource, sb))).toPlainString();
        } catch (NumberFormatException ex) {
            throw ApiException.badRequest("resource " + resource + ": '" + a + "' or '" + b + "' is not a quantity");
        }
    }

    private static BigDecimal number(String q, String suffix) {
        String t = q.trim();
        return new BigDecimal(t.substring(0, t.length() - suffix.length()));
    }

    /** Kubernetes quantity suffixes. */
    private static BigDecimal scale(String resource, String suffix) {
        return switch (suffix) {
            case "" -> BigDecimal.ONE;
            case "m" -> new BigDecimal("0.001");
            case "k" -> BigDecimal.TEN.pow(3);
            case "M" -> BigDecimal.TEN.pow(6);
            case "G" -> BigDecimal.TEN.pow(9);
            case "T" -> BigDecimal.TEN.pow(12);
            case "P" -> BigDecimal.TEN.pow(15);
            case "Ki" -> BigDecimal.valueOf(2).pow(10);
            case "Mi" -> BigDecimal.valueOf(2).pow(20);
            case "Gi" -> BigDecimal.valueOf(2).pow(30);
            case "Ti" -> BigDecimal.valueOf(2).pow(40);
            case "Pi" -> BigDecimal.valueOf(2).pow(50);
            default -> throw ApiException.badRequest("resource " + resource + ": unknown quantity suffix '" + suffix + "'");
        };
    }

    private static String suffix(String q) {
        String t = q.trim();
        int i = t.length();
        while (i > 0 && Character.isLetter(t.charAt(i - 1))) i--;
        return t.substring(i);
    }
}
