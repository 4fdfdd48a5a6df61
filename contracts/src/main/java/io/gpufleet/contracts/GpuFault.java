package io.gpufleet.contracts;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.Objects;

/**
 * A device fault found by stream-analytics, on topic {@value Topics#FAULTS}. One fault is reported when it
 * starts ({@link Status#ACTIVE}) and once more when it clears ({@link Status#RESOLVED}, same {@link #id}, with
 * {@link #endMillis} set); it is not repeated while it lasts.
 *
 * @param id          stable identity of this occurrence: node, GPU, kind and start time
 * @param kind        what went wrong
 * @param severity    how urgently someone must act
 * @param status      active or resolved
 * @param node        node name
 * @param gpu         GPU index on the node, -1 for a fault of the whole node
 * @param uuid        GPU UUID, empty for a fault of the whole node
 * @param namespace   namespace of the pod concerned (memory breach, idle allocation), else empty
 * @param pod         pod concerned, else empty
 * @param evidence    what the detector saw, in one sentence (values and thresholds)
 * @param action      recommended action, e.g. {@code reset_gpu}, {@code reboot_node}, {@code restart_app}
 * @param startMillis event time the fault began (epoch millis)
 * @param endMillis   event time it cleared, 0 while active
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record GpuFault(String id, Kind kind, Severity severity, Status status, String node, int gpu, String uuid,
                       String namespace, String pod, String evidence, String action, long startMillis,
                       long endMillis) {

    /** Fault kinds, each with the severity and action it has unless the detector says otherwise. */
    public enum Kind {
        /** An XID whose class asks for a GPU reset. */
        XID_RESET_GPU,
        /** An XID whose class asks for a node reboot (79: fallen off the bus). */
        XID_REBOOT_NODE,
        /** An XID that is the application's fault; the GPU is fine. */
        XID_APPLICATION,
        /** An XID not in the catalogue. */
        XID_UNKNOWN,
        /** Uncorrectable (double-bit) ECC errors grew. */
        ECC_DOUBLE_BIT,
        /** A row remap failed: no spare rows left (an RMA criterion). */
        ROW_REMAP_FAILURE,
        /** Hardware thermal slowdown that lasted past the threshold. */
        THERMAL_SLOWDOWN,
        /** Power brake or power-cap slowdown that lasted past the threshold. */
        POWER_SLOWDOWN,
        /** One GPU stopped reporting while the rest of its node reports. */
        GPU_STOPPED_REPORTING,
        /** A whole node stopped reporting. */
        NODE_UNREACHABLE,
        /** A pod holds more GPU memory than its share on a shared GPU. */
        MEMORY_OVER_SHARE,
        /** A GPU allocated to a pod stayed idle for long. */
        ALLOCATED_IDLE
    }

    public enum Severity { CRITICAL, WARNING, INFO }

    public enum Status { ACTIVE, RESOLVED }

    public GpuFault {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(status, "status");
        if (node == null || node.isBlank()) throw new IllegalArgumentException("node must be set");
        if (gpu < -1) throw new IllegalArgumentException("gpu must be >= -1, was " + gpu);
        uuid = uuid == null ? "" : uuid;
        namespace = namespace == null ? "" : namespace;
        pod = pod == null ? "" : pod;
        evidence = evidence == null ? "" : evidence;
        action = action == null ? "" : action;
        if (startMillis < 0) throw new IllegalArgumentException("startMillis must be >= 0, was " + startMillis);
        if (status == Status.RESOLVED && endMillis < startMillis) {
            throw new IllegalArgumentException("endMillis must be >= startMillis for a resolved fault, was " + endMillis);
        }
        if (status == Status.ACTIVE && endMillis != 0) {
            throw new IllegalArgumentException("endMillis must be 0 while active, was " + endMillis);
        }
        id = id == null || id.isBlank() ? idOf(node, gpu, kind, pod, startMillis) : id;
    }

    /** A new active fault. */
    public static GpuFault active(Kind kind, Severity severity, String node, int gpu, String uuid, String namespace,
                                  String pod, String evidence, String action, long startMillis) {
        return new GpuFault(null, kind, severity, Status.ACTIVE, node, gpu, uuid, namespace, pod, evidence, action,
                startMillis, 0);
    }

    /** This fault, cleared at {@code endMillis}, with what showed it cleared. */
    public GpuFault resolve(long endMillis, String clearedBecause) {
        return new GpuFault(id, kind, severity, Status.RESOLVED, node, gpu, uuid, namespace, pod,
                clearedBecause == null ? evidence : clearedBecause, action, startMillis,
                Math.max(endMillis, startMillis));
    }

    @JsonIgnore
    public boolean isActive() {
        return status == Status.ACTIVE;
    }

    static String idOf(String node, int gpu, Kind kind, String pod, long startMillis) {
        return node + "/" + gpu + "/" + kind.name().toLowerCase(java.util.Locale.ROOT)
                + (pod == null || pod.isEmpty() ? "" : "/" + pod) + "@" + startMillis;
    }

    private static final JsonCodec<GpuFault> CODEC = JsonCodec.of(GpuFault.class);

    public String toJson() {
        return CODEC.toJson(this);
    }

    /** @throws IllegalArgumentException naming the field that is wrong */
    public static GpuFault parse(String json) {
        return CODEC.parse(json);
    }
}
