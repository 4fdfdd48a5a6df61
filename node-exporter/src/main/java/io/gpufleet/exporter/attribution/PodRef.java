package io.gpufleet.exporter.attribution;

/**
 * A pod container that uses a GPU, and the share of the GPU the scheduler gave it.
 *
 * @param namespace         Kubernetes namespace
 * @param pod               pod name
 * @param container         container name, or empty when unknown
 * @param shareMemoryBytes  GPU memory granted to this pod on this GPU, 0 when the share is unknown
 * @param shareCoreMilli    compute share in thousandths of the GPU (1000 = whole GPU), 0 when unknown
 * @param usedMemoryBytes   GPU memory its processes hold now, -1 when unknown
 */
public record PodRef(String namespace, String pod, String container, long shareMemoryBytes, int shareCoreMilli,
                     long usedMemoryBytes) {
    public PodRef {
        namespace = namespace == null ? "" : namespace;
        pod = pod == null ? "" : pod;
        container = container == null ? "" : container;
    }

    /** Same pod and container, whatever the numbers. */
    public boolean samePod(PodRef o) {
        return namespace.equals(o.namespace) && pod.equals(o.pod) && container.equals(o.container);
    }
}
