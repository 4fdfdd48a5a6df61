package io.gpufleet.contracts;

/** Default listening ports of gpufleet's components. */
public final class Ports {
    private Ports() {}

    public static final int EXPORTER = 9400;
    public static final int SCHEDULER_API = 8888;
    public static final int AUTOSCALER_METRICS = 8889;
    public static final int ANALYTICS_METRICS = 9250;
}
