package io.gpufleet.exporter.attribution;

import java.util.Optional;

/** Looks up a pod of this node by the UID its cgroup carries; answers from memory. */
@FunctionalInterface
public interface PodDirectory {

    /** The pod with this UID (or, for a static pod, this config hash), when known. */
    Optional<PodInfo> byUid(String uid);
}
