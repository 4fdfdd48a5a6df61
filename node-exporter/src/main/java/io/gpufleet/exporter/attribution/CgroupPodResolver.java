package io.gpufleet.exporter.attribution;

import io.gpufleet.exporter.source.GpuIdentity;
import io.gpufleet.exporter.source.ProcessReading;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Attributes a GPU to the pods whose processes run on it: pid → cgroup → pod UID and container id → pod and
 * container name. Works for pods placed by any scheduler, annotation or not; knows no shares (they are 0), only
 * the memory the processes hold.
 */
public final class CgroupPodResolver implements PodResolver {
    private final ProcessPodMapper mapper;
    private final PodDirectory pods;
    private final AtomicLong processesWithoutPod = new AtomicLong();

    public CgroupPodResolver(ProcessPodMapper mapper, PodDirectory pods) {
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.pods = Objects.requireNonNull(pods, "pods");
    }

    /**
     * One ref per pod container with processes on {@code gpu}; {@code usedMemoryBytes} sums the processes' memory
     * that NVML knows, -1 when it knows none.
     */
    @Override
    public List<PodRef> podsFor(GpuIdentity gpu, List<ProcessReading> processes) {
        return podsOf(processes, pods);
    }

    /** As {@link #podsFor}, looking pods up in {@code directory} (one consistent snapshot) instead of the default. */
    public List<PodRef> podsOf(List<ProcessReading> processes, PodDirectory directory) {
        if (processes.isEmpty()) return List.of();
        Map<List<String>, long[]> used = new LinkedHashMap<>();
        for (ProcessReading p : processes) {
            Optional<ContainerRef> ref = mapper.lookup(p.pid());
            Optional<PodInfo> pod = ref.flatMap(r -> directory.byUid(r.podUid()));
            if (pod.isEmpty()) {
                // A host process, or a pod the informer has not delivered yet.
                processesWithoutPod.incrementAndGet();
                continue;
            }
            PodInfo info = pod.get();
            String container = info.containerName(ref.get().containerId());
            long[] sum = used.computeIfAbsent(List.of(info.namespace(), info.name(), container), k -> new long[] {-1});
            if (p.usedMemoryBytes() >= 0) sum[0] = Math.max(sum[0], 0) + p.usedMemoryBytes();
        }
        List<PodRef> out = new ArrayList<>(used.size());
        used.forEach((k, v) -> out.add(new PodRef(k.get(0), k.get(1), k.get(2), 0, 0, v[0])));
        return out;
    }

    /** Processes seen on a GPU that mapped to no known pod. */
    public long processesWithoutPod() {
        return processesWithoutPod.get();
    }

    /** The pid cache behind this resolver. */
    public ProcessPodMapper mapper() {
        return mapper;
    }
}
