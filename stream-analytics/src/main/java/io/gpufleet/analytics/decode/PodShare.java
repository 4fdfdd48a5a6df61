package io.gpufleet.analytics.decode;

/**
 * A pod on a GPU, as the sample reports it.
 *
 * @param namespace         namespace
 * @param pod               pod name
 * @param container         container, empty when unknown
 * @param usedMemoryBytes   GPU memory its processes hold, -1 when unknown
 * @param shareMemoryBytes  GPU memory the scheduler granted it, 0 when unknown
 * @param coreShare         compute share of the GPU granted (1 = whole GPU), 0 when unknown
 */
public record PodShare(String namespace, String pod, String container, long usedMemoryBytes, long shareMemoryBytes,
                       double coreShare) {
    public PodShare {
        namespace = namespace == null ? "" : namespace;
        pod = pod == null ? "" : pod;
        container = container == null ? "" : container;
    }
}
