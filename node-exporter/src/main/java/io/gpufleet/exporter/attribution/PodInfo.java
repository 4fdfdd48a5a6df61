package io.gpufleet.exporter.attribution;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.gpufleet.contracts.GpuAssignment;
import io.gpufleet.contracts.ResourceNames;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What attribution needs to know about one pod on this node, taken from the API object once per change.
 *
 * @param uid               metadata.uid, lower case
 * @param mirrorOf          for a mirror pod, the UID its static pod runs under (the kubelet's config hash, which
 *                          names the pod's cgroup); empty otherwise
 * @param namespace         namespace
 * @param name              pod name
 * @param running           status.phase is Running
 * @param containerNames    spec.containers[].name, in order
 * @param containerNamesById container runtime id (from status.*containerStatuses[].containerID) → container name
 * @param requestsGpu       some container requests or limits a GPU resource ({@link ResourceNames})
 * @param assignment        the parsed {@value ResourceNames#GPU_ASSIGNMENT_ANNOTATION} annotation, when present and valid
 * @param assignmentRaw     the annotation's text, empty when absent
 * @param assignmentError   why the annotation could not be parsed, empty when it parsed or is absent
 */
public record PodInfo(String uid, String mirrorOf, String namespace, String name, boolean running,
                      List<String> containerNames, Map<String, String> containerNamesById, boolean requestsGpu,
                      Optional<GpuAssignment> assignment, String assignmentRaw, String assignmentError) {

    /** Annotation the kubelet puts on a mirror pod: the static pod's UID (config hash). */
    static final String MIRROR_ANNOTATION = "kubernetes.io/config.mirror";

    private static final Set<String> GPU_RESOURCES = Set.of(ResourceNames.GPU, ResourceNames.GPU_MEMORY_MIB,
            ResourceNames.GPU_CORE_PERCENT, ResourceNames.ALIYUN_GPU_MEM_GIB,
            ResourceNames.KOORDINATOR_GPU_MEMORY_RATIO, ResourceNames.KOORDINATOR_GPU_CORE);

    public PodInfo {
        Objects.requireNonNull(uid, "uid");
        mirrorOf = mirrorOf == null ? "" : mirrorOf;
        namespace = namespace == null ? "" : namespace;
        name = name == null ? "" : name;
        containerNames = List.copyOf(containerNames);
        containerNamesById = Map.copyOf(containerNamesById);
        assignment = assignment == null ? Optional.empty() : assignment;
        assignmentRaw = assignmentRaw == null ? "" : assignmentRaw;
        assignmentError = assignmentError == null ? "" : assignmentError;
    }

    /** Whether the pod carries an assignment annotation that could not be parsed. */
    public boolean assignmentMalformed() {
        return !assignmentError.isEmpty();
    }

    /** The container name for a runtime id, or empty when the id is not (yet) in the pod's status. */
    public String containerName(String containerId) {
        return containerNamesById.getOrDefault(containerId, "");
    }

    /** Reads a pod from the API. A malformed annotation is recorded in {@link #assignmentError}, never thrown. */
    public static PodInfo from(Pod pod) {
        ObjectMeta meta = pod.getMetadata() == null ? new ObjectMeta() : pod.getMetadata();
        PodSpec spec = pod.getSpec() == null ? new PodSpec() : pod.getSpec();
        PodStatus status = pod.getStatus() == null ? new PodStatus() : pod.getStatus();
        Map<String, String> annotations = meta.getAnnotations() == null ? Map.of() : meta.getAnnotations();

        List<String> names = new ArrayList<>();
        boolean requestsGpu = false;
        for (Container c : nonNull(spec.getContainers())) {
            names.add(c.getName());
            requestsGpu |= requestsGpu(c.getResources());
        }
        for (Container c : nonNull(spec.getInitContainers())) requestsGpu |= requestsGpu(c.getResources());

        Map<String, String> byId = new HashMap<>();
        for (List<ContainerStatus> statuses : List.of(nonNull(status.getContainerStatuses()),
                nonNull(status.getInitContainerStatuses()), nonNull(status.getEphemeralContainerStatuses()))) {
            for (ContainerStatus s : statuses) {
                String id = CgroupParser.containerIdFromStatus(s.getContainerID());
                if (!id.isEmpty() && s.getName() != null) byId.put(id, s.getName());
            }
        }

        String raw = annotations.get(ResourceNames.GPU_ASSIGNMENT_ANNOTATION);
        Optional<GpuAssignment> assignment = Optional.empty();
        String error = "";
        if (raw != null) {
            try {
                assignment = Optional.of(GpuAssignment.parse(raw));
            } catch (RuntimeException e) {
                error = e.getMessage() == null ? e.toString() : e.getMessage();
            }
        }
        String uid = meta.getUid() == null ? "" : meta.getUid().toLowerCase(Locale.ROOT);
        String mirror = annotations.getOrDefault(MIRROR_ANNOTATION, "").toLowerCase(Locale.ROOT);
        return new PodInfo(uid, mirror, meta.getNamespace(), meta.getName(), "Running".equals(status.getPhase()),
                names, byId, requestsGpu, assignment, raw, error);
    }

    private static boolean requestsGpu(ResourceRequirements r) {
        if (r == null) return false;
        return (r.getRequests() != null && r.getRequests().keySet().stream().anyMatch(GPU_RESOURCES::contains))
                || (r.getLimits() != null && r.getLimits().keySet().stream().anyMatch(GPU_RESOURCES::contains));
    }

    private static <T> List<T> nonNull(List<T> l) {
        return l == null ? List.of() : l;
    }
}
