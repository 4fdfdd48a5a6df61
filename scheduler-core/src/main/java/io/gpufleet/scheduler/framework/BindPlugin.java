package io.gpufleet.scheduler.framework;

import io.gpufleet.scheduler.model.Allocation;

/** Makes a permitted placement real (the cluster state, the Kubernetes API, a simulator). */
public interface BindPlugin extends Plugin {
    /** {@link Status#SKIP} lets the next bind plugin handle it. */
    Status bind(Allocation allocation);
}
