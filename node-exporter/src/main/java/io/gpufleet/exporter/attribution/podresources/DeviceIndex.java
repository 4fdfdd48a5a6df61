package io.gpufleet.exporter.attribution.podresources;

import io.gpufleet.contracts.ResourceNames;
import io.gpufleet.exporter.attribution.PodRef;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * GPU UUID → the pod containers the kubelet gave it, from one PodResources answer. Immutable; rebuilt per poll.
 *
 * <p>Only whole-device resources count: {@code nvidia.com/gpu} and the time-slicing plugin's renamed
 * {@code nvidia.com/gpu.shared}. Its ids are GPU UUIDs, or {@code <uuid>::<n>} for a time-sliced replica (the
 * suffix is dropped, and the share is unknown, 0; a whole device is a share of 1000 milli). MIG devices carry
 * MIG UUIDs, which name no GPU the exporter reads, so they match nothing; gpufleet's shared resources are left
 * to the assignment annotation, which knows their shares.
 */
public final class DeviceIndex {
    /** Resources whose device ids are GPU UUIDs. */
    public static final Set<String> WHOLE_GPU_RESOURCES = Set.of(ResourceNames.GPU, ResourceNames.GPU + ".shared");
    private static final String REPLICA_SEPARATOR = "::";
    private static final Comparator<PodRef> ORDER = Comparator.comparing(PodRef::namespace)
            .thenComparing(PodRef::pod).thenComparing(PodRef::container);

    public static final DeviceIndex EMPTY = of(List.of());

    private final Map<String, List<PodRef>> byGpu;
    private final int pods;

    private DeviceIndex(Map<String, List<PodRef>> byGpu, int pods) {
        this.byGpu = byGpu;
        this.pods = pods;
    }

    public static DeviceIndex of(List<DeviceAllocation> allocations) {
        Map<String, List<PodRef>> byGpu = new HashMap<>();
        Set<List<String>> podsSeen = new HashSet<>();
        for (DeviceAllocation a : allocations) {
            if (!WHOLE_GPU_RESOURCES.contains(a.resourceName())) continue;
            for (String id : a.deviceIds()) {
                int sep = id.indexOf(REPLICA_SEPARATOR);
                String uuid = sep < 0 ? id : id.substring(0, sep);
                if (uuid.isEmpty()) continue;
                PodRef ref = new PodRef(a.namespace(), a.pod(), a.container(), 0, sep < 0 ? 1000 : 0, -1);
                List<PodRef> refs = byGpu.computeIfAbsent(uuid, k -> new ArrayList<>());
                // Two replicas of one GPU in one container are one row.
                if (refs.stream().noneMatch(ref::samePod)) refs.add(ref);
                podsSeen.add(List.of(a.namespace(), a.pod()));
            }
        }
        byGpu.replaceAll((k, v) -> {
            v.sort(ORDER);
            return List.copyOf(v);
        });
        return new DeviceIndex(Map.copyOf(byGpu), podsSeen.size());
    }

    /** The containers holding {@code gpuUuid}, in namespace/pod/container order; empty when none. */
    public List<PodRef> podsOn(String gpuUuid) {
        return byGpu.getOrDefault(gpuUuid, List.of());
    }

    /** Pods holding at least one whole-GPU device. */
    public int pods() {
        return pods;
    }
}
