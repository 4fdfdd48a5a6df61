package io.gpufleet.exporter.attribution.podresources;

import java.util.List;
import java.util.Objects;

/**
 * Devices of one resource the kubelet allocated to one container, as its PodResources API lists them.
 *
 * @param namespace    pod namespace
 * @param pod          pod name
 * @param container    container name
 * @param resourceName extended resource, e.g. {@code nvidia.com/gpu}
 * @param deviceIds    the device plugin's ids; for NVIDIA's plugin the GPU (or MIG) UUIDs, with a {@code ::n}
 *                     suffix for time-sliced replicas
 */
public record DeviceAllocation(String namespace, String pod, String container, String resourceName,
                               List<String> deviceIds) {
    public DeviceAllocation {
        namespace = Objects.requireNonNullElse(namespace, "");
        pod = Objects.requireNonNullElse(pod, "");
        container = Objects.requireNonNullElse(container, "");
        resourceName = Objects.requireNonNullElse(resourceName, "");
        deviceIds = List.copyOf(deviceIds);
    }
}
