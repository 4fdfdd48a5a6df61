package io.gpufleet.exporter.publish.otlp;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.metrics.Aggregation;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import java.util.Collection;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Wraps a {@link MetricExporter} and counts how its exports end, so the publisher can report delivery
 * without parsing the SDK's logs.
 */
final class CountingMetricExporter implements MetricExporter {
    private final MetricExporter delegate;
    private final AtomicLong succeeded = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile boolean lastSucceeded;

    CountingMetricExporter(MetricExporter delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    @Override
    public CompletableResultCode export(Collection<MetricData> metrics) {
        CompletableResultCode result;
        try {
            result = delegate.export(metrics);
        } catch (RuntimeException e) {
            failed.incrementAndGet();
            lastSucceeded = false;
            return CompletableResultCode.ofExceptionalFailure(e);
        }
        result.whenComplete(() -> {
            if (result.isSuccess()) {
                succeeded.incrementAndGet();
                lastSucceeded = true;
            } else {
                failed.incrementAndGet();
                lastSucceeded = false;
            }
        });
        return result;
    }

    @Override
    public CompletableResultCode flush() {
        return delegate.flush();
    }

    @Override
    public CompletableResultCode shutdown() {
        return delegate.shutdown();
    }

    @Override
    public AggregationTemporality getAggregationTemporality(InstrumentType instrumentType) {
        return delegate.getAggregationTemporality(instrumentType);
    }

    @Override
    public Aggregation getDefaultAggregation(InstrumentType instrumentType) {
        return delegate.getDefaultAggregation(instrumentType);
    }

    @Override
    public MemoryMode getMemoryMode() {
        return delegate.getMemoryMode();
    }

    long succeeded() {
        return succeeded.get();
    }

    long failed() {
        return failed.get();
    }

    boolean lastSucceeded() {
        return lastSucceeded;
    }

    @Override
    public String toString() {
        return "CountingMetricExporter{" + delegate + "}";
    }
}
