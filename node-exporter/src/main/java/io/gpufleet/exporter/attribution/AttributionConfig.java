package io.gpufleet.exporter.attribution;

import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Configuration of Kubernetes pod attribution, validated when built.
 *
 * @param nodeName       this node's name as the API knows it ({@code spec.nodeName} of its pods); in a DaemonSet,
 *                       env {@code NODE_NAME} from the downward API {@code fieldRef: spec.nodeName}
 * @param procRoot       where the host's {@code /proc} is visible: {@code /proc} with {@code hostPID: true}, or the
 *                       mount point of the host's {@code /proc}
 * @param pidCacheExpiry how long a pid's pod stays cached after NVML last reported it; longer than the collection
 *                       interval, short enough that a reused pid is read afresh
 */
public record AttributionConfig(String nodeName, Path procRoot, Duration pidCacheExpiry) {
    /** Env var holding the node name. */
    public static final String ENV_NODE_NAME = "NODE_NAME";
    /** Env var overriding {@link #procRoot}. */
    public static final String ENV_PROC_ROOT = "GPUFLEET_PROC_ROOT";
    /** Env var overriding {@link #pidCacheExpiry}, ISO-8601 ({@code PT60S}). */
    public static final String ENV_PID_CACHE_EXPIRY = "GPUFLEET_PID_CACHE_EXPIRY";

    public static final Path DEFAULT_PROC_ROOT = Path.of("/proc");
    public static final Duration DEFAULT_PID_CACHE_EXPIRY = Duration.ofSeconds(60);

    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");

    public AttributionConfig {
        if (nodeName == null || nodeName.isBlank()) {
            throw new IllegalArgumentException("nodeName must be set (env " + ENV_NODE_NAME
                    + " from the downward API field spec.nodeName)");
        }
        if (nodeName.length() > 253 || !DNS_SUBDOMAIN.matcher(nodeName).matches()) {
            throw new IllegalArgumentException("nodeName must be a DNS subdomain (lower case letters, digits, '-', '.'),"
                    + " was '" + nodeName + "'");
        }
        Objects.requireNonNull(procRoot, "procRoot");
        Objects.requireNonNull(pidCacheExpiry, "pidCacheExpiry");
        if (pidCacheExpiry.isNegative() || pidCacheExpiry.isZero()) {
            throw new IllegalArgumentException("pidCacheExpiry must be positive, was " + pidCacheExpiry);
        }
    }

    /** Defaults for everything but the node name. */
    public static AttributionConfig forNode(String nodeName) {
        return new AttributionConfig(nodeName, DEFAULT_PROC_ROOT, DEFAULT_PID_CACHE_EXPIRY);
    }

    /** Reads {@link #ENV_NODE_NAME}, {@link #ENV_PROC_ROOT} and {@link #ENV_PID_CACHE_EXPIRY} from {@code env}. */
    public static AttributionConfig fromEnvironment(Map<String, String> env) {
        String root = env.get(ENV_PROC_ROOT);
        String expiry = env.get(ENV_PID_CACHE_EXPIRY);
        Duration d = DEFAULT_PID_CACHE_EXPIRY;
        if (expiry != null && !expiry.isBlank()) {
            try {
                d = Duration.parse(expiry.strip());
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException(ENV_PID_CACHE_EXPIRY + " must be an ISO-8601 duration such as PT60S,"
                        + " was '" + expiry + "'", e);
            }
        }
        return new AttributionConfig(env.get(ENV_NODE_NAME),
                root == null || root.isBlank() ? DEFAULT_PROC_ROOT : Path.of(root.strip()), d);
    }
}
