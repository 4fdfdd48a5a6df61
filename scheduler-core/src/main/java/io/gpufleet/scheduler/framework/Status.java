package io.gpufleet.scheduler.framework;

/**
 * Result of a PreFilter, Reserve or Bind call.
 *
 * @param resolvable for a PreFilter rejection: the cluster is only out of room for the pod right now (eviction could
 *                   change that), so PostFilter may still nominate a node; other rejections (bad constraints, quota
 *                   max, gang incomplete) only let PostFilter clean up
 */
public record Status(Code code, String plugin, String reason, boolean resolvable) {
    public enum Code { SUCCESS, UNSCHEDULABLE, SKIP }

    public static final Status OK = new Status(Code.SUCCESS, null, null, false);
    public static final Status SKIP = new Status(Code.SKIP, null, null, false);

    public static Status unschedulable(String plugin, String reason) {
        return new Status(Code.UNSCHEDULABLE, plugin, reason, false);
    }

    /** The cluster has no room for the pod now; preemption may make some. */
    public static Status noRoom(String plugin, String reason) {
        return new Status(Code.UNSCHEDULABLE, plugin, reason, true);
    }

    public boolean ok() {
        return code == Code.SUCCESS;
    }
}
