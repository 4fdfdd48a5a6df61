package io.gpufleet.analytics.sink;

import io.gpufleet.contracts.GpuFault;
import io.gpufleet.contracts.QuotaUsage;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/** Feeds quota usage and faults into the JVM's {@link AnalyticsMetrics}, which the /metrics endpoint serves. */
public final class MetricsSink {
    private MetricsSink() {}

    public static Sink<QuotaUsage> quota() {
        return ctx -> new SinkWriter<>() {
            @Override
            public void write(QuotaUsage u, Context c) {
                AnalyticsMetrics.shared().quota(u);
            }

            @Override
            public void flush(boolean endOfInput) {}

            @Override
            public void close() {}
        };
    }

    public static Sink<io.gpufleet.analytics.decode.GpuSample> lateSamples() {
        return ctx -> new SinkWriter<>() {
            @Override
            public void write(io.gpufleet.analytics.decode.GpuSample s, Context c) {
                AnalyticsMetrics.shared().lateSample();
            }

            @Override
            public void flush(boolean endOfInput) {}

            @Override
            public void close() {}
        };
    }

    public static Sink<GpuFault> faults() {
        return (WriterInitContext ctx) -> new SinkWriter<>() {
            @Override
            public void write(GpuFault f, Context c) {
                AnalyticsMetrics.shared().fault(f);
            }

            @Override
            public void flush(boolean endOfInput) {}

            @Override
            public void close() {}
        };
    }
}
