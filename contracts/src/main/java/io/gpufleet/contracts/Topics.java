package io.gpufleet.contracts;

/** Kafka topics between gpufleet's components. */
public final class Topics {
    private Topics() {}

    /** OTLP protobuf ExportMetricsServiceRequest, one ResourceMetrics per GPU, keyed by node. */
    public static final String METRICS = "gpufleet.metrics";
    /** JSON GpuFault records. */
    public static final String FAULTS = "gpufleet.faults";
    /** JSON QuotaUsage records. */
    public static final String QUOTA_USAGE = "gpufleet.quota-usage";
    /** JSON WorkloadSignal records. */
    public static final String SIGNALS = "gpufleet.signals";
}
