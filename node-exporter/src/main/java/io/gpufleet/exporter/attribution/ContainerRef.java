package io.gpufleet.exporter.attribution;

import java.util.Objects;

/**
 * The pod and container a process runs in, as its cgroup path tells.
 *
 * @param podUid      pod UID in the API form ({@code 1a2b3c4d-5e6f-...}, lower case); for static pods the
 *                    kubelet's config hash (32 hex digits), which mirror pods carry in an annotation
 * @param containerId container runtime id (64 hex digits), or empty when the path names the pod only
 */
public record ContainerRef(String podUid, String containerId) {
    public ContainerRef {
        Objects.requireNonNull(podUid, "podUid");
        if (podUid.isBlank()) throw new IllegalArgumentException("podUid must not be blank");
        containerId = containerId == null ? "" : containerId;
    }
}
