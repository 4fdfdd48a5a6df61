package io.gpufleet.exporter.publish.otlp;

import io.gpufleet.exporter.collect.GpuState;
import io.gpufleet.exporter.collect.NodeSnapshot;
import io.gpufleet.exporter.publish.MetricsPublisher;
import io.gpufleet.exporter.source.GpuIdentity;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.metrics.BatchCallback;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.ObservableDoubleMeasurement;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporterBuilder;
import io.opentelemetry.exporter.otlp.metrics.OtlpGrpcMetricExporter;
import io.opentelemetry.exporter.otlp.metrics.OtlpGrpcMetricExporterBuilder;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import java.time.Clock;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pushes the latest snapshot over OTLP (gRPC or HTTP/protobuf) through the OpenTelemetry SDK.
 *
 * <p>Every metric of {@link GpuPoints#METRICS} is an observable instrument on one {@link SdkMeterProvider};
 * a single batch callback reads the snapshot last given to {@link #publish} and records one series per GPU,
 * identified by point attributes ({@code gpu.index}, {@code gpu.uuid}, {@code gpu.model},
 * {@code gpu.pci_bus_id}, {@code k8s.*} for a single pod) plus the folding attributes of {@link GpuPoints}.
 * The SDK allows one resource per provider, so the resource is the node ({@code host.name},
 * {@code service.name}). A {@link PeriodicMetricReader} exports every
 * {@link OtlpPublisherConfig#exportInterval()}; retries are off, so a dead collector costs one failed
 * export per interval and {@link #close()} returns within its timeout.
 *
 * <p>{@link #publish} only swaps a reference. A snapshot older than three intervals (and at least
 * {@link #MIN_STALE_MILLIS}) is not reported again, so a stalled collection loop does not look like live data.
 */
public final class OtlpMetricsPublisher implements MetricsPublisher {
    private static final Logger log = LoggerFactory.getLogger(OtlpMetricsPublisher.class);
    public static final String SERVICE_NAME = "gpufleet-node-exporter";
    /** Snapshots younger than this are always reported, however short the interval (a slow pass is not a stall). */
    public static final long MIN_STALE_MILLIS = 30_000;
    private static final AttributeKey<Long> GPU_INDEX = AttributeKey.longKey(OtlpMetricsEncoder.GPU_INDEX);
    private static final AttributeKey<String> GPU_UUID = AttributeKey.stringKey(OtlpMetricsEncoder.GPU_UUID);
    private static final AttributeKey<String> GPU_MODEL = AttributeKey.stringKey(OtlpMetricsEncoder.GPU_MODEL);
    private static final AttributeKey<String> GPU_PCI = AttributeKey.stringKey(OtlpMetricsEncoder.GPU_PCI_BUS_ID);
    private static final AttributeKey<String> K8S_POD = AttributeKey.stringKey(OtlpMetricsEncoder.K8S_POD);
    private static final AttributeKey<String> K8S_NS = AttributeKey.stringKey(OtlpMetricsEncoder.K8S_NAMESPACE);
    private static final AttributeKey<String> K8S_CONTAINER = AttributeKey.stringKey(OtlpMetricsEncoder.K8S_CONTAINER);

    private final OtlpPublisherConfig config;
    private final Clock clock;
    private final CountingMetricExporter exporter;
    private final SdkMeterProvider provider;
    private final BatchCallback callback;
    private final Map<GpuPoints.Metric, ObservableDoubleMeasurement> instruments = new IdentityHashMap<>();
    private final AtomicReference<NodeSnapshot> latest = new AtomicReference<>();
    /** Per GPU (by UUID): its identity attributes and, per constant label list, the full attribute set. */
    private final Map<String, GpuAttributes> attributeCache = new HashMap<>(); // callback thread only
    private volatile boolean closed;

    private record GpuAttributes(Attributes identity, Map<List<String>, Attributes> byLabels) {}

    public OtlpMetricsPublisher(OtlpPublisherConfig config) {
        this(config, Clock.systemUTC());
    }

    public OtlpMetricsPublisher(OtlpPublisherConfig config, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.exporter = new CountingMetricExporter(otlpExporter(config));
        Resource resource = Resource.getDefault().merge(Resource.create(Attributes.of(
                AttributeKey.stringKey("service.name"), SERVICE_NAME,
                AttributeKey.stringKey(OtlpMetricsEncoder.HOST_NAME), config.node())));
        this.provider = SdkMeterProvider.builder()
                .setResource(resource)
                .registerMetricReader(PeriodicMetricReader.builder(exporter).setInterval(config.exportInterval()).build())
                .build();
        Meter meter = provider.meterBuilder(OtlpMetricsEncoder.SCOPE_NAME).build();
        ObservableDoubleMeasurement[] all = new ObservableDoubleMeasurement[GpuPoints.METRICS.size()];
        int i = 0;
        for (GpuPoints.Metric m : GpuPoints.METRICS) {
            ObservableDoubleMeasurement obs;
            if (m.sum()) {
                var b = meter.counterBuilder(m.name()).ofDoubles().setDescription(m.help());
                if (!m.unit().isEmpty()) b.setUnit(m.unit());
                obs = b.buildObserver();
            } else {
                var b = meter.gaugeBuilder(m.name()).setDescription(m.help());
                if (!m.unit().isEmpty()) b.setUnit(m.unit());
                obs = b.buildObserver();
            }
            instruments.put(m, obs);
            all[i++] = obs;
        }
        this.callback = meter.batchCallback(this::observe, all[0], java.util.Arrays.copyOfRange(all, 1, all.length));
    }

    private static MetricExporter otlpExporter(OtlpPublisherConfig c) {
        // Retries off: a down collector must not hold the reader (or close()) for the SDK's ~5 s of backoff.
        if (c.protocol() == OtlpPublisherConfig.Protocol.GRPC) {
            OtlpGrpcMetricExporterBuilder b = OtlpGrpcMetricExporter.builder().setEndpoint(c.endpoint())
                    .setTimeout(c.timeout()).setConnectTimeout(c.timeout()).setRetryPolicy(null)
                    .setCompression(c.compression());
            c.headers().forEach(b::addHeader);
            return b.build();
        }
        OtlpHttpMetricExporterBuilder b = OtlpHttpMetricExporter.builder().setEndpoint(c.endpoint())
                .setTimeout(c.timeout()).setConnectTimeout(c.timeout()).setRetryPolicy(null)
                .setCompression(c.compression());
        c.headers().forEach(b::addHeader);
        return b.build();
    }

    @Override
    public String name() {
        return "otlp";
    }

    @Override
    public void publish(NodeSnapshot snapshot) {
        if (snapshot != null && !closed) latest.set(snapshot);
    }

    /**
     * {@code sent}/{@code dropped} count successful and failed exports (each carries the latest snapshot);
     * nothing is buffered: the next export simply reads the newest snapshot.
     */
    @Override
    public PublisherStats stats() {
        return new PublisherStats(exporter.succeeded(), exporter.failed(), 0, exporter.lastSucceeded());
    }

    public OtlpPublisherConfig config() {
        return config;
    }

    /** Exports once more (the latest snapshot) and shuts the SDK down, waiting at most the close timeout. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            provider.shutdown().join(config.closeTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            log.warn("OTLP publisher did not shut down cleanly", e);
        }
        callback.close();
    }

    private synchronized void observe() {
        NodeSnapshot s = latest.get();
        if (s == null) return;
        long ageMillis = clock.millis() - s.timestampMillis();
        if (ageMillis > Math.max(MIN_STALE_MILLIS, 3 * config.exportInterval().toMillis())) return;
        for (GpuState gpu : s.gpus()) {
            GpuAttributes attrs = attributesFor(gpu);
            GpuPoints.forEach(gpu, (metric, labels, value) ->
                    instruments.get(metric).record(value, withLabels(attrs, labels)));
        }
    }

    private GpuAttributes attributesFor(GpuState gpu) {
        GpuIdentity id = gpu.reading().gpu();
        AttributesBuilder b = Attributes.builder()
                .put(GPU_INDEX, (long) id.index())
                .put(GPU_UUID, id.uuid())
                .put(GPU_MODEL, id.model())
                .put(GPU_PCI, id.pciBusId());
        if (gpu.pods().size() == 1) {
            var p = gpu.pods().get(0);
            b.put(K8S_POD, p.pod()).put(K8S_NS, p.namespace());
            if (!p.container().isEmpty()) b.put(K8S_CONTAINER, p.container());
        }
        Attributes identity = b.build();
        GpuAttributes cached = attributeCache.get(id.uuid());
        if (cached != null && cached.identity.equals(identity)) return cached;
        if (attributeCache.size() > 256) attributeCache.clear();
        GpuAttributes fresh = new GpuAttributes(identity, new IdentityHashMap<>());
        attributeCache.put(id.uuid(), fresh);
        return fresh;
    }

    /** Identity plus point labels; constant label lists (identity-compared) are cached. */
    private static Attributes withLabels(GpuAttributes gpu, List<String> labels) {
        if (labels.isEmpty()) return gpu.identity;
        Attributes cached = gpu.byLabels.get(labels);
        if (cached != null) return cached;
        AttributesBuilder b = gpu.identity.toBuilder();
        for (int i = 0; i + 1 < labels.size(); i += 2) b.put(labels.get(i), labels.get(i + 1));
        Attributes built = b.build();
        // Dynamic lists (per XID, pod, link) are new objects each pass; caching them would only grow the map.
        if (GpuPoints.isConstant(labels)) gpu.byLabels.put(labels, built);
        return built;
    }
}
