package io.gpufleet.exporter.attribution.podresources;

import java.time.Duration;
import java.util.List;

/** The kubelet's {@code v1.PodResourcesLister/List}: every container's allocated devices on this node. */
public interface PodResourcesLister extends AutoCloseable {

    /**
     * One call, waiting at most {@code timeout}.
     *
     * @throws PodResourcesException when the kubelet cannot be reached, answers an error, or sends what cannot be
     *                               decoded
     */
    List<DeviceAllocation> list(Duration timeout) throws PodResourcesException;

    @Override
    default void close() {}
}
