package io.gpufleet.exporter.publish.otlp;

import io.gpufleet.exporter.attribution.PodRef;
import io.gpufleet.exporter.collect.GpuState;
import io.gpufleet.exporter.collect.XidStat;
import io.gpufleet.exporter.metrics.MetricCatalog;
import io.gpufleet.exporter.source.GpuReading;
import io.gpufleet.exporter.source.NvLinkReading;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The per-GPU metrics gpufleet pushes (over OTLP and on Kafka), and a walker that turns one {@link GpuState}
 * into data points. Both publishers read from here, so the Kafka bytes and the SDK export carry the same
 * names, attributes and values.
 *
 * <p>The walker emits all points of one metric before the next metric, in {@link #METRICS} order, and
 * skips absent values; a metric without points is simply never mentioned.
 */
public final class GpuPoints {
    private GpuPoints() {}

    /**
     * One pushed metric.
     *
     * @param name native metric name (counters without {@code _total})
     * @param help one-line description
     * @param unit UCUM unit derived from the name's suffix ({@code By}, {@code Cel}, ...), or empty
     * @param sum  true for a monotonic cumulative Sum (a counter), false for a Gauge
     */
    public record Metric(String name, String help, String unit, boolean sum) {}

    /** Receives data points. {@code labels} are point attributes as k1, v1, k2, v2 ...; often empty. */
    @FunctionalInterface
    public interface Sink {
        void point(Metric metric, List<String> labels, double value);
    }

    /** Attribute keys of the non-catalogue metrics. */
    public static final String REASON = "reason";
    public static final String XID = "xid";
    public static final String TYPE = "type";
    public static final String LINK = "link";
    public static final String POD = "pod";
    public static final String NAMESPACE = "namespace";
    public static final String CONTAINER = "container";

    public static final Metric HEALTH_STATUS = new Metric(MetricCatalog.HEALTH_STATUS,
            "GPU health: 0 healthy, 1 degraded, 2 failed; attribute reason is the worst reason.", "", false);
    public static final Metric XID_ERRORS = new Metric(MetricCatalog.XID_ERRORS,
            "XID errors seen since the exporter started, per XID code.", "", true);
    public static final Metric XID_LAST_SEEN = new Metric(MetricCatalog.XID_LAST_SEEN,
            "When an XID code was last seen, in seconds since the epoch.", "s", false);
    public static final Metric ECC_EVENTS = new Metric(MetricCatalog.ECC_EVENTS,
            "ECC error events received since the exporter started.", "", true);
    public static final Metric NVLINKS = new Metric(MetricCatalog.NVLINKS,
            "NVLinks of the GPU by state.", "", false);
    public static final Metric NVLINK_ERRORS = new Metric(MetricCatalog.NVLINK_ERRORS,
            "NVLink errors per type, summed over the GPU's links, since the driver loaded.", "", true);
    public static final Metric NVLINK_LINK_ERRORS = new Metric(MetricCatalog.NVLINK_LINK_ERRORS,
            "NVLink errors per link and type, for links that had any.", "", true);
    public static final Metric POD_MEMORY_USED = new Metric(MetricCatalog.POD_MEMORY_USED,
            "GPU memory held by a pod's processes on this GPU.", "By", false);
    public static final Metric POD_MEMORY_SHARE = new Metric(MetricCatalog.POD_MEMORY_SHARE,
            "GPU memory the scheduler granted a pod on this GPU.", "By", false);
    public static final Metric POD_CORE_SHARE = new Metric(MetricCatalog.POD_CORE_SHARE,
            "Compute share of this GPU the scheduler granted a pod (1 = whole GPU).", "1", false);

    private static final List<String> DOUBLE_BIT = List.of(TYPE, "double_bit");
    private static final List<String> SINGLE_BIT = List.of(TYPE, "single_bit");
    private static final String[] NVLINK_ERROR_TYPES = {"replay", "recovery", "crc_flit", "crc_data"};
    private static final List<String> ACTIVE_LINKS = List.of("state", "active");
    private static final List<String> INACTIVE_LINKS = List.of("state", "inactive");

    /** Label lists the walker reuses for every GPU (besides the catalogue's): encoders may pre-build them. */
    static List<List<String>> constantLabelLists() {
        return List.of(DOUBLE_BIT, SINGLE_BIT);
    }

    private static final Set<List<String>> CONSTANT_LABELS = Collections.newSetFromMap(new IdentityHashMap<>());

    static {
        for (MetricCatalog.Spec s : MetricCatalog.all()) CONSTANT_LABELS.add(s.labels());
        CONSTANT_LABELS.addAll(constantLabelLists());
    }

    /** Whether the walker passes this very list for every GPU and pass (so it is worth caching per GPU). */
    static boolean isConstant(List<String> labels) {
        return CONSTANT_LABELS.contains(labels);
    }

    /** Catalogue fields folded by native name: one Metric and its specs, in catalogue order. */
    private record FieldGroup(Metric metric, MetricCatalog.Spec[] specs) {}

    private static final List<FieldGroup> FIELD_GROUPS;
    /** Every metric the walker can emit, in emission order. */
    public static final List<Metric> METRICS;

    static {
        List<FieldGroup> groups = new ArrayList<>();
        List<Metric> all = new ArrayList<>();
        for (Map.Entry<String, List<MetricCatalog.Spec>> e : MetricCatalog.byNativeName().entrySet()) {
            MetricCatalog.Spec first = e.getValue().get(0);
            Metric m = new Metric(e.getKey(), first.help(), unitOf(e.getKey()),
                    first.type() == MetricCatalog.Type.COUNTER);
            groups.add(new FieldGroup(m, e.getValue().toArray(new MetricCatalog.Spec[0])));
            all.add(m);
        }
        all.addAll(List.of(HEALTH_STATUS, XID_ERRORS, XID_LAST_SEEN, ECC_EVENTS, NVLINKS, NVLINK_ERRORS, NVLINK_LINK_ERRORS,
                POD_MEMORY_USED, POD_MEMORY_SHARE, POD_CORE_SHARE));
        FIELD_GROUPS = Collections.unmodifiableList(groups);
        METRICS = Collections.unmodifiableList(all);
    }

    /** The UCUM unit OTLP expects, read off the Prometheus-style base-unit suffix. */
    static String unitOf(String name) {
        if (name.endsWith("_bytes_per_second")) return "By/s";
        if (name.endsWith("_bytes")) return "By";
        if (name.endsWith("_celsius")) return "Cel";
        if (name.endsWith("_watts")) return "W";
        if (name.endsWith("_joules")) return "J";
        if (name.endsWith("_hertz")) return "Hz";
        if (name.endsWith("_seconds")) return "s";
        if (name.endsWith("_ratio")) return "1";
        return "";
    }

    /** Emits every known point of one GPU, grouped by metric in {@link #METRICS} order. */
    public static void forEach(GpuState gpu, Sink sink) {
        GpuReading r = gpu.reading();
        for (FieldGroup g : FIELD_GROUPS) {
            for (MetricCatalog.Spec s : g.specs) {
                double v = r.value(s.field());
                if (!Double.isNaN(v)) sink.point(g.metric, s.labels(), v);
            }
        }
        String reason = gpu.health().reason();
        sink.point(HEALTH_STATUS, reason.isEmpty() ? List.of() : List.of(REASON, reason),
                gpu.health().status().ordinal());

        List<XidStat> xids = gpu.xids();
        if (!xids.isEmpty()) {
            List<List<String>> xidLabels = new ArrayList<>(xids.size());
            for (XidStat x : xids) xidLabels.add(List.of(XID, Long.toString(x.xid())));
            for (int i = 0; i < xids.size(); i++) sink.point(XID_ERRORS, xidLabels.get(i), xids.get(i).count());
            for (int i = 0; i < xids.size(); i++) {
                sink.point(XID_LAST_SEEN, xidLabels.get(i), xids.get(i).lastSeenMillis() / 1000.0);
            }
        }

        sink.point(ECC_EVENTS, DOUBLE_BIT, gpu.doubleBitEccEvents());
        sink.point(ECC_EVENTS, SINGLE_BIT, gpu.singleBitEccEvents());

        // Same shape as the Prometheus exposition: per GPU by state and type, per link only where errors happened
        // (an 18-link GPU would otherwise add 90 points to every sample).
        List<NvLinkReading> links = r.nvLinks();
        if (!links.isEmpty()) {
            int active = 0;
            long[] sums = new long[NVLINK_ERROR_TYPES.length];
            boolean[] readable = new boolean[NVLINK_ERROR_TYPES.length];
            for (NvLinkReading l : links) {
                if (l.active()) active++;
                long[] counters = {l.replayErrors(), l.recoveryErrors(), l.crcFlitErrors(), l.crcDataErrors()};
                for (int i = 0; i < counters.length; i++) {
                    if (counters[i] < 0) continue; // could not be read: absent, not zero
                    readable[i] = true;
                    sums[i] += counters[i];
                    if (counters[i] > 0) {
                        sink.point(NVLINK_LINK_ERRORS, List.of(LINK, Integer.toString(l.link()), TYPE, NVLINK_ERROR_TYPES[i]),
                                counters[i]);
                    }
                }
            }
            sink.point(NVLINKS, ACTIVE_LINKS, active);
            sink.point(NVLINKS, INACTIVE_LINKS, links.size() - active);
            for (int i = 0; i < sums.length; i++) {
                if (readable[i]) sink.point(NVLINK_ERRORS, List.of(TYPE, NVLINK_ERROR_TYPES[i]), sums[i]);
            }
        }

        List<PodRef> pods = gpu.pods();
        if (!pods.isEmpty()) {
            List<List<String>> podLabels = new ArrayList<>(pods.size());
            for (PodRef p : pods) podLabels.add(podLabels(p));
            for (int i = 0; i < pods.size(); i++) {
                long used = pods.get(i).usedMemoryBytes();
                if (used >= 0) sink.point(POD_MEMORY_USED, podLabels.get(i), used);
            }
            for (int i = 0; i < pods.size(); i++) {
                long share = pods.get(i).shareMemoryBytes();
                if (share > 0) sink.point(POD_MEMORY_SHARE, podLabels.get(i), share);
            }
            for (int i = 0; i < pods.size(); i++) {
                int core = pods.get(i).shareCoreMilli();
                if (core > 0) sink.point(POD_CORE_SHARE, podLabels.get(i), core / 1000.0);
            }
        }
    }

    private static List<String> podLabels(PodRef p) {
        return p.container().isEmpty()
                ? List.of(NAMESPACE, p.namespace(), POD, p.pod())
                : List.of(NAMESPACE, p.namespace(), POD, p.pod(), CONTAINER, p.container());
    }
}
