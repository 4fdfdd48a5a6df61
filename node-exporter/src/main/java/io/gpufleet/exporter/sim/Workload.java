package io.gpufleet.exporter.sim;

/**
 * Work a pod container runs on one simulated GPU.
 *
 * @param namespace        Kubernetes namespace (required)
 * @param pod              pod name (required)
 * @param container        container name, may be empty
 * @param utilization      fraction of the GPU it keeps busy, 0..1
 * @param memoryBytes      GPU memory its process holds
 * @param shareMemoryBytes memory share the scheduler granted, 0 when unknown (reported to attribution)
 * @param shareCoreMilli   compute share in thousandths of the GPU, 0 when unknown
 */
public record Workload(String namespace, String pod, String container, double utilization, long memoryBytes,
                       long shareMemoryBytes, int shareCoreMilli) {
    public Workload {
        if (namespace == null || namespace.isBlank()) throw new InvalidFieldException("namespace", "must be set");
        if (pod == null || pod.isBlank()) throw new InvalidFieldException("pod", "must be set");
        container = container == null ? "" : container;
        if (!(utilization >= 0 && utilization <= 1)) {
            throw new InvalidFieldException("utilization", "must be within 0..1, was " + utilization);
        }
        if (memoryBytes < 0) throw new InvalidFieldException("memoryBytes", "must be >= 0, was " + memoryBytes);
        if (shareMemoryBytes < 0) {
            throw new InvalidFieldException("shareMemoryBytes", "must be >= 0, was " + shareMemoryBytes);
        }
        if (shareCoreMilli < 0 || shareCoreMilli > 1000) {
            throw new InvalidFieldException("shareCoreMilli", "must be within 0..1000, was " + shareCoreMilli);
        }
    }

    /** A workload without scheduler shares. */
    public Workload(String namespace, String pod, String container, double utilization, long memoryBytes) {
        this(namespace, pod, container, utilization, memoryBytes, 0, 0);
    }
}
