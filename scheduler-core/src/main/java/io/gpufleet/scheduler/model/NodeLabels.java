package io.gpufleet.scheduler.model;

/** Node label keys the scheduler reads. */
public final class NodeLabels {
    private NodeLabels() {}

    /** Rack of the node; gangs prefer to stay within one. */
    public static final String RACK = "gpufleet.io/rack";
    /** Zone of the node (the well-known Kubernetes label). */
    public static final String ZONE = "topology.kubernetes.io/zone";
    /** Comma-separated names of the data sets cached on the node's local disks. */
    public static final String DATASETS = "gpufleet.io/datasets";
}
