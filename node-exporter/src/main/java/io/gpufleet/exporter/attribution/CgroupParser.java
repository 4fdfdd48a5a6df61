package io.gpufleet.exporter.attribution;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the pod UID and container id out of the text of {@code /proc/<pid>/cgroup}.
 *
 * <p>Handles cgroup v1 ({@code 12:memory:/kubepods/...}) and v2 ({@code 0::/kubepods.slice/...}) lines, the
 * kubelet's cgroupfs driver ({@code /kubepods/burstable/pod<uid>/<id>}) and systemd driver
 * ({@code kubepods-burstable-pod<uid_with_underscores>.slice/cri-containerd-<id>.scope}), all QoS classes
 * (guaranteed pods sit directly under kubepods), and the containerd, CRI-O and Docker scope prefixes. The pod
 * segment is searched anywhere in the path, because a reader in its own cgroup namespace sees paths relative
 * to its root (e.g. {@code 0::/../../kubepods-besteffort-pod....slice/...}) and kind-style nodes add a
 * {@code kubelet.slice} prefix.
 */
public final class CgroupParser {
    private CgroupParser() {}

    private static final String UID = "[0-9a-fA-F]{8}[-_][0-9a-fA-F]{4}[-_][0-9a-fA-F]{4}[-_][0-9a-fA-F]{4}[-_][0-9a-fA-F]{12}";
    /** {@code pod<uid>} (cgroupfs) or {@code kubepods-<qos>-pod<uid>.slice} (systemd); static pods use a 32-hex hash. */
    private static final Pattern POD_SEGMENT =
            Pattern.compile("^(?:.*-)?pod(" + UID + "|[0-9a-fA-F]{32})(?:\\.slice)?$");
    /** {@code <id>}, {@code cri-containerd-<id>.scope}, {@code docker-<id>.scope}, {@code crio-<id>.scope}. */
    private static final Pattern CONTAINER_SEGMENT =
            Pattern.compile("^(?:(?:cri-containerd|containerd|docker|crio|cri-o)-)?([0-9a-fA-F]{64})(?:\\.scope)?$");

    /**
     * The pod and container of the process whose cgroup file reads {@code content}, or empty when the process
     * is not in a pod (a host process, a container outside Kubernetes) or the text has no known layout.
     * A line that names both pod and container wins over one that names the pod only.
     */
    public static Optional<ContainerRef> parse(String content) {
        if (content == null || content.isEmpty()) return Optional.empty();
        ContainerRef podOnly = null;
        for (String line : content.split("\n")) {
            ContainerRef ref = parseLine(line.strip());
            if (ref == null) continue;
            if (!ref.containerId().isEmpty()) return Optional.of(ref);
            if (podOnly == null) podOnly = ref;
        }
        return Optional.ofNullable(podOnly);
    }

    /** One line, {@code hierarchy-id:controllers:path}; null when it names no pod. */
    static ContainerRef parseLine(String line) {
        int first = line.indexOf(':');
        if (first < 0) return null;
        int second = line.indexOf(':', first + 1);
        if (second < 0) return null;
        String[] segments = line.substring(second + 1).split("/");
        for (int i = 0; i < segments.length; i++) {
            Matcher pod = POD_SEGMENT.matcher(segments[i]);
            if (!pod.matches()) continue;
            String uid = pod.group(1).replace('_', '-').toLowerCase(Locale.ROOT);
            // The container is the next segment; runtimes that delegate may nest sub-cgroups below it.
            for (int j = i + 1; j < segments.length; j++) {
                Matcher c = CONTAINER_SEGMENT.matcher(segments[j]);
                if (c.matches()) return new ContainerRef(uid, c.group(1).toLowerCase(Locale.ROOT));
            }
            return new ContainerRef(uid, "");
        }
        return null;
    }

    /**
     * The runtime id inside a {@code containerStatuses[].containerID} ({@code containerd://<id>},
     * {@code cri-o://<id>}, {@code docker://<id>}), lower case; empty for null or blank.
     */
    public static String containerIdFromStatus(String statusId) {
        if (statusId == null || statusId.isBlank()) return "";
        int sep = statusId.indexOf("://");
        String id = sep >= 0 ? statusId.substring(sep + 3) : statusId;
        return id.strip().toLowerCase(Locale.ROOT);
    }
}
