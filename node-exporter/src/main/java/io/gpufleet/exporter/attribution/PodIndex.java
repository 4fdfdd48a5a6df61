package io.gpufleet.exporter.attribution;

import io.gpufleet.contracts.GpuAssignment;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An immutable view of the pods on this node: by UID, for process-based attribution, and by GPU UUID, from the
 * assignment annotations of running pods. Rebuilt whole on every pod change (a node holds at most a few hundred
 * pods) and swapped in atomically, so readers never see a half-applied update.
 */
public final class PodIndex implements PodDirectory {
    private static final long MIB = 1024L * 1024L;
    private static final Comparator<PodRef> ORDER = Comparator.comparing(PodRef::namespace)
            .thenComparing(PodRef::pod).thenComparing(PodRef::container);

    /** No pods. */
    public static final PodIndex EMPTY = of(List.of());

    private final Map<String, PodInfo> byUid;
    private final Map<String, List<PodRef>> byGpu;
    private final int pods;
    private final int assignedPods;
    private final int unassignedGpuPods;

    private PodIndex(Map<String, PodInfo> byUid, Map<String, List<PodRef>> byGpu, int pods, int assignedPods,
                     int unassignedGpuPods) {
        this.byUid = byUid;
        this.byGpu = byGpu;
        this.pods = pods;
        this.assignedPods = assignedPods;
        this.unassignedGpuPods = unassignedGpuPods;
    }

    /** Indexes {@code pods}. Only running pods' assignments count: a pending pod holds no GPU yet. */
    public static PodIndex of(Collection<PodInfo> pods) {
        Map<String, PodInfo> byUid = new HashMap<>();
        Map<String, List<PodRef>> byGpu = new HashMap<>();
        int assigned = 0;
        int unassignedGpu = 0;
        for (PodInfo p : pods) {
            if (!p.uid().isEmpty()) byUid.put(p.uid(), p);
            if (!p.mirrorOf().isEmpty()) byUid.putIfAbsent(p.mirrorOf(), p);
            if (!p.running()) continue;
            if (p.assignment().isEmpty()) {
                if (p.requestsGpu()) unassignedGpu++;
                continue;
            }
            assigned++;
            GpuAssignment a = p.assignment().get();
            String container = a.container() != null ? a.container()
                    : p.containerNames().size() == 1 ? p.containerNames().get(0) : "";
            for (GpuAssignment.Share s : a.gpus()) {
                byGpu.computeIfAbsent(s.uuid(), k -> new ArrayList<>()).add(new PodRef(p.namespace(), p.name(),
                        container, s.memoryMiB() * MIB, s.coreMilli(), -1));
            }
        }
        byGpu.replaceAll((k, v) -> {
            v.sort(ORDER);
            return List.copyOf(v);
        });
        return new PodIndex(Map.copyOf(byUid), Map.copyOf(byGpu), pods.size(), assigned, unassignedGpu);
    }

    @Override
    public Optional<PodInfo> byUid(String uid) {
        return Optional.ofNullable(byUid.get(uid));
    }

    /** Running pods whose assignment names this GPU, with their shares and unknown usage (-1). */
    public List<PodRef> assignedTo(String gpuUuid) {
        return byGpu.getOrDefault(gpuUuid, List.of());
    }

    /** Pods indexed (all phases). */
    public int pods() {
        return pods;
    }

    /** Running pods with a valid assignment annotation. */
    public int assignedPods() {
        return assignedPods;
    }

    /** Running pods that request a GPU resource but carry no assignment: attributed only through their processes. */
    public int unassignedGpuPods() {
        return unassignedGpuPods;
    }
}
