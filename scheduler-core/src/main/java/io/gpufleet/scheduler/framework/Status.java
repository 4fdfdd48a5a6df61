package io.gpufleet.scheduler.framework;

/** Result of a PreFilter, Reserve or Bind call. */
public record Status(Code code, String plugin, String reason) {
    public enum Code { SUCCESS, UNSCHEDULABLE, SKIP }

    public static final Status OK = new Status(Code.SUCCESS, null, null);
    public static final Status SKIP = new Status(Code.SKIP, null, null);

    public static Status unschedulable(String plugin, String reason) {
        return new Status(Code.UNSCHEDULABLE, plugin, reason);
    }

    public boolean ok() {
        return code == Code.SUCCESS;
    }
}
