package io.gpufleet.exporter.publish.otlp;

import io.gpufleet.exporter.attribution.PodRef;
import io.gpufleet.exporter.collect.GpuState;
import io.gpufleet.exporter.collect.NodeSnapshot;
import io.gpufleet.exporter.metrics.MetricCatalog;
import io.gpufleet.exporter.source.GpuIdentity;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns a {@link NodeSnapshot} into an OTLP {@link ExportMetricsServiceRequest}: the bytes gpufleet writes to
 * the {@code gpufleet.metrics} topic (what an OpenTelemetry Collector's kafka exporter writes with
 * {@code otlp_proto}).
 *
 * <p>Shape: one {@link ResourceMetrics} per GPU whose resource carries the GPU's identity
 * ({@link #HOST_NAME}, {@link #GPU_INDEX}, {@link #GPU_UUID}, {@link #GPU_MODEL}, {@link #GPU_PCI_BUS_ID}, and
 * the {@code k8s.*} attributes when exactly one pod uses the GPU); data points carry attributes only where one
 * metric folds several quantities (see {@link GpuPoints}). Every point is stamped with the snapshot's time;
 * Sums are monotonic and cumulative from {@code startEpochMillis}.
 *
 * <p>Thread-safe. Identity resources and constant attribute lists are built once and reused, so a pass costs
 * little beyond the data points themselves.
 */
public final class OtlpMetricsEncoder {
    public static final String HOST_NAME = "host.name";
    public static final String GPU_INDEX = "gpu.index";
    public static final String GPU_UUID = "gpu.uuid";
    public static final String GPU_MODEL = "gpu.model";
    public static final String GPU_PCI_BUS_ID = "gpu.pci_bus_id";
    public static final String K8S_POD = "k8s.pod.name";
    public static final String K8S_NAMESPACE = "k8s.namespace.name";
    public static final String K8S_CONTAINER = "k8s.container.name";

    /** The instrumentation scope every GPU's metrics are reported under. */
    public static final String SCOPE_NAME = "io.gpufleet.exporter";

    private static final InstrumentationScope SCOPE = InstrumentationScope.newBuilder().setName(SCOPE_NAME).build();
    /** Point attributes for the constant label lists of the catalogue and GpuPoints, built once. */
    private static final Map<List<String>, List<KeyValue>> CONSTANT_LABELS = new IdentityHashMap<>();
    // Cached resources are dropped wholesale past this size: a node has a handful of GPUs, so growing beyond
    // it means identities churn (pods coming and going) and stale entries are not worth keeping.
    private static final int MAX_CACHED_RESOURCES = 256;

    static {
        for (MetricCatalog.Spec s : MetricCatalog.all()) CONSTANT_LABELS.put(s.labels(), keyValues(s.labels()));
        for (List<String> l : GpuPoints.constantLabelLists()) CONSTANT_LABELS.put(l, keyValues(l));
    }

    private final long startTimeUnixNano;
    private final boolean withDescriptions;
    private final Map<String, CachedResource> resources = new ConcurrentHashMap<>();

    private record CachedResource(GpuIdentity gpu, PodRef pod, Resource resource) {}

    /** Sums without a start time and metrics without descriptions: the compact shape for Kafka. */
    public OtlpMetricsEncoder() {
        this(0, false);
    }

    /**
     * @param startEpochMillis  when the exporter began counting (the start of its cumulative Sums), 0 = unknown
     * @param withDescriptions  whether to repeat each metric's help text and unit in every request
     */
    public OtlpMetricsEncoder(long startEpochMillis, boolean withDescriptions) {
        if (startEpochMillis < 0) throw new IllegalArgumentException("startEpochMillis must be >= 0, was " + startEpochMillis);
        this.startTimeUnixNano = startEpochMillis * 1_000_000L;
        this.withDescriptions = withDescriptions;
    }

    /** The request for one snapshot: one ResourceMetrics per GPU, in the snapshot's GPU order. */
    public ExportMetricsServiceRequest encode(NodeSnapshot snapshot) {
        Objects.requireNonNull(snapshot, "snapshot");
        long timeUnixNano = snapshot.timestampMillis() * 1_000_000L;
        ExportMetricsServiceRequest.Builder request = ExportMetricsServiceRequest.newBuilder();
        for (GpuState gpu : snapshot.gpus()) {
            ScopeMetrics.Builder scope = ScopeMetrics.newBuilder().setScope(SCOPE);
            PointWriter writer = new PointWriter(scope, timeUnixNano);
            GpuPoints.forEach(gpu, writer);
            writer.finish();
            request.addResourceMetrics(ResourceMetrics.newBuilder()
                    .setResource(resourceFor(snapshot.node(), gpu))
                    .addScopeMetrics(scope));
        }
        return request.build();
    }

    /** {@link #encode} serialised: the Kafka record value. */
    public byte[] encodeBytes(NodeSnapshot snapshot) {
        return encode(snapshot).toByteArray();
    }

    private Resource resourceFor(String node, GpuState state) {
        GpuIdentity gpu = state.reading().gpu();
        PodRef pod = state.pods().size() == 1 ? identityOnly(state.pods().get(0)) : null;
        // Keyed by node too: the same encoder may serve several simulated nodes whose GPUs share UUIDs.
        String key = node + '\u0000' + gpu.uuid();
        CachedResource cached = resources.get(key);
        if (cached != null && cached.gpu.equals(gpu) && Objects.equals(cached.pod, pod)) return cached.resource;
        Resource.Builder r = Resource.newBuilder()
                .addAttributes(kv(HOST_NAME, node))
                .addAttributes(KeyValue.newBuilder().setKey(GPU_INDEX)
                        .setValue(AnyValue.newBuilder().setIntValue(gpu.index())))
                .addAttributes(kv(GPU_UUID, gpu.uuid()))
                .addAttributes(kv(GPU_MODEL, gpu.model()))
                .addAttributes(kv(GPU_PCI_BUS_ID, gpu.pciBusId()));
        if (pod != null) {
            r.addAttributes(kv(K8S_POD, pod.pod())).addAttributes(kv(K8S_NAMESPACE, pod.namespace()));
            if (!pod.container().isEmpty()) r.addAttributes(kv(K8S_CONTAINER, pod.container()));
        }
        Resource resource = r.build();
        if (resources.size() >= MAX_CACHED_RESOURCES) resources.clear();
        resources.put(key, new CachedResource(gpu, pod, resource));
        return resource;
    }

    /** A pod's identity without its changing numbers, so memory use does not defeat the resource cache. */
    private static PodRef identityOnly(PodRef p) {
        return new PodRef(p.namespace(), p.pod(), p.container(), 0, 0, 0);
    }

    private static KeyValue kv(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }

    private static List<KeyValue> keyValues(List<String> labels) {
        if (labels.isEmpty()) return List.of();
        List<KeyValue> out = new ArrayList<>(labels.size() / 2);
        for (int i = 0; i + 1 < labels.size(); i += 2) out.add(kv(labels.get(i), labels.get(i + 1)));
        return List.copyOf(out);
    }

    /** Collects the walker's points into Metric messages, one per metric name. */
    private final class PointWriter implements GpuPoints.Sink {
        private final ScopeMetrics.Builder scope;
        private final long timeUnixNano;
        private GpuPoints.Metric current;
        private Metric.Builder metric;

        PointWriter(ScopeMetrics.Builder scope, long timeUnixNano) {
            this.scope = scope;
            this.timeUnixNano = timeUnixNano;
        }

        @Override
        public void point(GpuPoints.Metric m, List<String> labels, double value) {
            if (m != current) {
                finish();
                current = m;
                metric = Metric.newBuilder().setName(m.name());
                if (withDescriptions) metric.setDescription(m.help()).setUnit(m.unit());
                if (m.sum()) {
                    metric.getSumBuilder().setIsMonotonic(true)
                            .setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
                }
            }
            NumberDataPoint.Builder p = NumberDataPoint.newBuilder().setTimeUnixNano(timeUnixNano).setAsDouble(value);
            if (!labels.isEmpty()) {
                List<KeyValue> attrs = CONSTANT_LABELS.get(labels);
                p.addAllAttributes(attrs != null ? attrs : keyValues(labels));
            }
            if (m.sum()) {
                if (startTimeUnixNano > 0) p.setStartTimeUnixNano(startTimeUnixNano);
                metric.getSumBuilder().addDataPoints(p);
            } else {
                metric.getGaugeBuilder().addDataPoints(p);
            }
        }

        void finish() {
            if (metric != null) scope.addMetrics(metric);
            metric = null;
            current = null;
        }
    }
}
