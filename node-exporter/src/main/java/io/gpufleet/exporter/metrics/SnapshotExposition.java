package io.gpufleet.exporter.metrics;

import io.gpufleet.exporter.attribution.AttributionStats;
import io.gpufleet.exporter.attribution.PodRef;
import io.gpufleet.exporter.attribution.SourceStats;
import io.gpufleet.exporter.collect.GpuState;
import io.gpufleet.exporter.collect.NodeSnapshot;
import io.gpufleet.exporter.collect.XidStat;
import io.gpufleet.exporter.health.HealthStatus;
import io.gpufleet.exporter.health.XidCatalog;
import io.gpufleet.exporter.publish.MetricsPublisher;
import io.gpufleet.exporter.source.ClockEventReason;
import io.gpufleet.exporter.source.GpuField;
import io.gpufleet.exporter.source.GpuIdentity;
import io.gpufleet.exporter.source.GpuPair;
import io.gpufleet.exporter.source.GpuReading;
import io.gpufleet.exporter.source.NvLinkReading;
import io.gpufleet.exporter.source.PathLevel;
import io.gpufleet.exporter.source.ProcessReading;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot.InfoDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a {@link NodeSnapshot} into Prometheus client_java {@link MetricSnapshots}. Runs once per collection
 * pass (not per scrape); names come from {@link MetricCatalog}.
 */
public final class SnapshotExposition {
    private static final String[] NVLINK_TYPES = {"replay", "recovery", "crc_flit", "crc_data"};
    private static final String[] DCGM_NVLINK = {"DCGM_FI_DEV_NVLINK_REPLAY_ERROR_COUNT_TOTAL",
            "DCGM_FI_DEV_NVLINK_RECOVERY_ERROR_COUNT_TOTAL", "DCGM_FI_DEV_NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL",
            "DCGM_FI_DEV_NVLINK_CRC_DATA_ERROR_COUNT_TOTAL"};

    private final MetricSet set;

    public SnapshotExposition(MetricSet set) {
        this.set = set;
    }

    /** Families keyed by name, each collecting its data points in order of arrival. */
    private static final class Families {
        private final Map<String, Family> byName = new LinkedHashMap<>();

        void gauge(String name, String help, Labels labels, double value) {
            family(name, help, false).gauges.add(new GaugeDataPointSnapshot(value, labels, null));
        }

        void counter(String name, String help, Labels labels, double value) {
            family(name, help, true).counters.add(new CounterDataPointSnapshot(value, labels, null, 0));
        }

        private Family family(String name, String help, boolean counter) {
            Family f = byName.get(name);
            if (f == null) {
                f = new Family(name, help, counter);
                byName.put(name, f);
            }
            return f;
        }

        List<MetricSnapshot> build() {
            List<MetricSnapshot> out = new ArrayList<>(byName.size() + 1);
            for (Family f : byName.values()) {
                MetricMetadata md = new MetricMetadata(f.name, f.help);
                out.add(f.counter ? new CounterSnapshot(md, f.counters) : new GaugeSnapshot(md, f.gauges));
            }
            return out;
        }
    }

    private static final class Family {
        final String name;
        final String help;
        final boolean counter;
        final List<GaugeDataPointSnapshot> gauges = new ArrayList<>();
        final List<CounterDataPointSnapshot> counters = new ArrayList<>();

        Family(String name, String help, boolean counter) {
            this.name = name;
            this.help = help;
            this.counter = counter;
        }
    }

    public MetricSnapshots render(NodeSnapshot s, List<MetricsPublisher> publishers) {
        return render(s, publishers, java.util.Optional.empty());
    }

    public MetricSnapshots render(NodeSnapshot s, List<MetricsPublisher> publishers,
                                  java.util.Optional<AttributionStats> attribution) {
        return render(s, publishers, attribution, List.of());
    }

    public MetricSnapshots render(NodeSnapshot s, List<MetricsPublisher> publishers,
                                  java.util.Optional<AttributionStats> attribution, List<SourceStats> sources) {
        Families fam = new Families();
        List<InfoDataPointSnapshot> info = new ArrayList<>(s.gpus().size());
        for (GpuState g : s.gpus()) {
            GpuIdentity id = g.reading().gpu();
            PodRef pod = g.pods().size() == 1 ? g.pods().get(0) : null;
            Labels nat = withPod(Labels.of("node", id.node(), "gpu", Integer.toString(id.index()), "uuid", id.uuid(),
                    "model", id.model()), pod);
            Labels dcgm = withPod(Labels.of("gpu", Integer.toString(id.index()), "UUID", id.uuid(), "device", id.device(),
                    "modelName", id.model(), "Hostname", id.node()), pod);
            if (set.includesNative()) {
                info.add(new InfoDataPointSnapshot(Labels.of("node", id.node(), "gpu", Integer.toString(id.index()),
                        "uuid", id.uuid(), "model", id.model(), "pci_bus_id", id.pciBusId(), "serial", id.serial(),
                        "numa_node", Integer.toString(id.numaNode()), "device", id.device())));
                writeNative(fam, g, id, nat);
            }
            if (set.includesDcgm()) writeDcgm(fam, g, dcgm);
        }
        if (set.includesNative()) writeTopology(fam, s);
        writeSelf(fam, s, publishers);
        attribution.ifPresent(a -> writeAttribution(fam, s.node(), a));
        for (SourceStats src : sources) writeSource(fam, s.node(), src);
        List<MetricSnapshot> all = fam.build();
        if (!info.isEmpty()) all.add(new InfoSnapshot(new MetricMetadata("gpufleet_gpu", "Static identity of each GPU."), info));
        return new MetricSnapshots(all);
    }

    /**
     * pod/namespace/container labels, only when exactly one pod uses the GPU (shared GPUs get per-pod series);
     * left out rather than empty, as dcgm-exporter does, which keeps an unattributed GPU's lines short.
     */
    private static Labels withPod(Labels base, PodRef pod) {
        if (pod == null) return base;
        Labels l = base.add("pod", pod.pod()).add("namespace", pod.namespace());
        return pod.container().isEmpty() ? l : l.add("container", pod.container());
    }

    private static void writeNative(Families fam, GpuState g, GpuIdentity id, Labels nat) {
        GpuReading r = g.reading();
        for (GpuField f : GpuField.values()) {
            MetricCatalog.Spec spec = MetricCatalog.spec(f);
            if (!r.has(f)) {
                String why = r.errors().get(f);
                if (why != null && !r.lost()) {
                    fam.gauge(MetricCatalog.FIELD_UNAVAILABLE, "1 for each field the exporter could not read, with the reason.",
                            nat.add("field", f.name().toLowerCase(java.util.Locale.ROOT)).add("reason", why), 1);
                }
                continue;
            }
            Labels l = spec.labels().isEmpty() ? nat : withPairs(nat, spec.labels());
            if (spec.type() == MetricCatalog.Type.COUNTER) fam.counter(spec.name(), spec.help(), l, r.value(f));
            else fam.gauge(spec.name(), spec.help(), l, r.value(f));
        }
        if (r.has(GpuField.CLOCK_EVENT_REASONS)) {
            long bits = (long) r.value(GpuField.CLOCK_EVENT_REASONS);
            for (ClockEventReason c : ClockEventReason.values()) {
                fam.gauge(MetricCatalog.CLOCK_EVENT_ACTIVE, "1 while a clock-event (throttle) reason is active.",
                        nat.add("reason", c.label()), c.isSet(bits) ? 1 : 0);
            }
        }
        fam.gauge(MetricCatalog.LOST, "1 when the GPU no longer answers the driver (fallen off the bus, GPU_IS_LOST).",
                nat, r.lost() ? 1 : 0);
        HealthStatus hs = g.health().status();
        fam.gauge(MetricCatalog.HEALTH_STATUS, "GPU health: 0 healthy, 1 degraded, 2 failed; reason names the worst cause.",
                nat.add("reason", g.health().reason()), hs.ordinal());
        for (HealthStatus st : HealthStatus.values()) {
            fam.gauge(MetricCatalog.HEALTH, "1 for the GPU's current health status.", nat.add("status", st.label()),
                    st == hs ? 1 : 0);
        }
        for (XidStat x : g.xids()) {
            Labels xl = nat.add("xid", Long.toString(x.xid())).add("class", XidCatalog.classify(x.xid()).label());
            fam.counter(MetricCatalog.XID_ERRORS, "XID errors per code since the exporter started; never reset.", xl, x.count());
            fam.gauge(MetricCatalog.XID_LAST_SEEN, "When each XID code was last seen (unix seconds).", xl,
                    x.lastSeenMillis() / 1000.0);
        }
        fam.counter(MetricCatalog.ECC_EVENTS, "ECC error events received from the driver's event set.",
                nat.add("type", "double_bit"), g.doubleBitEccEvents());
        fam.counter(MetricCatalog.ECC_EVENTS, "ECC error events received from the driver's event set.",
                nat.add("type", "single_bit"), g.singleBitEccEvents());
        if (!r.nvLinks().isEmpty()) {
            int active = 0;
            long[] sums = new long[NVLINK_TYPES.length];
            boolean[] readable = new boolean[NVLINK_TYPES.length];
            for (NvLinkReading link : r.nvLinks()) {
                if (link.active()) active++;
                long[] counts = counts(link);
                for (int i = 0; i < counts.length; i++) {
                    if (counts[i] < 0) continue;
                    readable[i] = true;
                    sums[i] += counts[i];
                    if (counts[i] > 0) {
                        fam.counter(MetricCatalog.NVLINK_LINK_ERRORS, "NVLink errors per link and type, for links that had any.",
                                nat.add("link", Integer.toString(link.link())).add("type", NVLINK_TYPES[i]), counts[i]);
                    }
                }
            }
            fam.gauge(MetricCatalog.NVLINKS, "NVLinks of the GPU by state.", nat.add("state", "active"), active);
            fam.gauge(MetricCatalog.NVLINKS, "NVLinks of the GPU by state.", nat.add("state", "inactive"),
                    r.nvLinks().size() - active);
            for (int i = 0; i < NVLINK_TYPES.length; i++) {
                if (readable[i]) {
                    fam.counter(MetricCatalog.NVLINK_ERRORS, "NVLink errors per type, summed over the GPU's links.",
                            nat.add("type", NVLINK_TYPES[i]), sums[i]);
                }
            }
        }
        for (ProcessReading p : r.processes()) {
            if (p.usedMemoryBytes() >= 0) {
                fam.gauge(MetricCatalog.PROCESS_MEMORY, "GPU memory held by each compute process.",
                        nat.add("pid", Long.toString(p.pid())), p.usedMemoryBytes());
            }
        }
        for (PodRef p : g.pods()) {
            Labels pl = withPod(Labels.of("node", id.node(), "gpu", Integer.toString(id.index()), "uuid", id.uuid(),
                    "model", id.model()), p);
            if (p.usedMemoryBytes() >= 0) {
                fam.gauge(MetricCatalog.POD_MEMORY_USED, "GPU memory used by each pod on the GPU.", pl, p.usedMemoryBytes());
            }
            if (p.shareMemoryBytes() > 0) {
                fam.gauge(MetricCatalog.POD_MEMORY_SHARE, "GPU memory granted to each pod on the GPU.", pl, p.shareMemoryBytes());
            }
            if (p.shareCoreMilli() > 0) {
                fam.gauge(MetricCatalog.POD_CORE_SHARE, "Compute share granted to each pod on the GPU (1 = whole GPU).",
                        pl, p.shareCoreMilli() / 1000.0);
            }
        }
    }

    private static void writeDcgm(Families fam, GpuState g, Labels dcgm) {
        GpuReading r = g.reading();
        for (GpuField f : GpuField.values()) {
            MetricCatalog.Spec spec = MetricCatalog.spec(f);
            if (spec.dcgmName() == null || !r.has(f)) continue;
            fam.gauge(spec.dcgmName(), spec.help(), dcgm, r.value(f) * spec.dcgmFactor());
        }
        fam.gauge(MetricCatalog.DCGM_XID, "Value of the last XID error seen.", dcgm, g.lastXid());
        if (!r.nvLinks().isEmpty()) {
            long[] sums = new long[4];
            for (NvLinkReading l : r.nvLinks()) {
                long[] c = counts(l);
                for (int i = 0; i < 4; i++) sums[i] += Math.max(0, c[i]);
            }
            for (int i = 0; i < 4; i++) fam.gauge(DCGM_NVLINK[i], "NVLink errors summed over links.", dcgm, sums[i]);
        }
    }

    /**
     * Per GPU, how many peers it reaches at each path level; per NVLink-connected pair, the link count. All
     * pairs would grow with the square of the GPU count (2016 series on a 64-GPU node) for data that never changes.
     */
    private static void writeTopology(Families fam, NodeSnapshot s) {
        int n = s.gpus().size();
        if (n == 0 || s.topology().pairs().isEmpty()) return;
        int[][] peers = new int[n][PathLevel.values().length];
        for (GpuPair p : s.topology().pairs()) {
            if (p.a() < n && p.b() < n) {
                peers[p.a()][p.level().ordinal()]++;
                peers[p.b()][p.level().ordinal()]++;
            }
            if (p.level() == PathLevel.NV) {
                fam.gauge(MetricCatalog.TOPOLOGY_NVLINKS, "NVLinks between two GPUs (one series per connected pair).",
                        Labels.of("node", s.node(), "gpu", Integer.toString(p.a()), "peer_gpu", Integer.toString(p.b())),
                        p.nvLinks());
            }
        }
        for (GpuState g : s.gpus()) {
            int i = g.reading().gpu().index();
            if (i >= n) continue;
            for (PathLevel level : PathLevel.values()) {
                if (peers[i][level.ordinal()] > 0) {
                    fam.gauge(MetricCatalog.TOPOLOGY_PEERS, "Other GPUs this GPU reaches at each path level (nvidia-smi topo names).",
                            Labels.of("node", s.node(), "gpu", Integer.toString(i), "path", level.name()),
                            peers[i][level.ordinal()]);
                }
            }
        }
    }

    private static void writeSelf(Families fam, NodeSnapshot s, List<MetricsPublisher> publishers) {
        Labels node = Labels.of("node", s.node());
        NodeSnapshot.CollectionStats st = s.stats();
        fam.gauge(MetricCatalog.GPUS, "GPUs this exporter watches.", node, s.gpus().size());
        fam.gauge(MetricCatalog.COLLECTION_DURATION, "Wall time of the last collection pass.", node, st.lastDurationSeconds());
        fam.counter(MetricCatalog.COLLECTIONS, "Collection passes since start.", node, st.passes());
        fam.gauge(MetricCatalog.LAST_COLLECTION, "When the last collection pass finished (unix seconds).", node,
                s.timestampMillis() / 1000.0);
        st.fieldErrors().forEach((field, n) -> fam.counter(MetricCatalog.FIELD_READ_ERRORS,
                "Failed reads per field since start (NOT_SUPPORTED excluded).", node.add("field", field), n));
        for (MetricsPublisher p : publishers) {
            MetricsPublisher.PublisherStats ps = p.stats();
            Labels pl = node.add("publisher", p.name());
            fam.counter(MetricCatalog.PUBLISHER_SENT, "Snapshots delivered by each publisher.", pl, ps.sent());
            fam.counter(MetricCatalog.PUBLISHER_DROPPED, "Snapshots each publisher dropped (destination down, buffer full).",
                    pl, ps.dropped());
            fam.gauge(MetricCatalog.PUBLISHER_BUFFERED, "Snapshots waiting in each publisher's buffer.", pl, ps.buffered());
            fam.gauge(MetricCatalog.PUBLISHER_CONNECTED, "1 when the publisher's last delivery succeeded.", pl,
                    ps.connected() ? 1 : 0);
        }
    }

    private static void writeAttribution(Families fam, String nodeName, AttributionStats a) {
        Labels node = Labels.of("node", nodeName);
        fam.gauge(MetricCatalog.KUBERNETES_CONNECTED, "1 while the pod watch is open (0: answering from the last known pods).",
                node, a.informerConnected() ? 1 : 0);
        fam.counter(MetricCatalog.KUBERNETES_ERRORS, "Failed pod lists since start (each retried).", node, a.informerErrors());
        fam.gauge(MetricCatalog.KUBERNETES_PODS, "Pods of this node the exporter knows, by how they are attributed.",
                node.add("kind", "all"), a.podsOnNode());
        fam.gauge(MetricCatalog.KUBERNETES_PODS, "Pods of this node the exporter knows, by how they are attributed.",
                node.add("kind", "assigned"), a.podsWithAssignment());
        fam.gauge(MetricCatalog.KUBERNETES_PODS, "Pods of this node the exporter knows, by how they are attributed.",
                node.add("kind", "gpu_without_assignment"), a.gpuPodsWithoutAssignment());
        fam.counter(MetricCatalog.ANNOTATION_ERRORS, "Malformed gpufleet.io/gpu-assignment annotations seen.", node,
                a.annotationParseErrors());
        fam.counter(MetricCatalog.UNATTRIBUTED_PROCESSES, "GPU processes that mapped to no known pod.", node,
                a.processesWithoutPod());
    }

    private static void writeSource(Families fam, String nodeName, SourceStats src) {
        Labels l = Labels.of("node", nodeName, "source", src.source());
        fam.counter(MetricCatalog.ATTRIBUTION_ERRORS, "Failed polls of each attribution source (the last answer stays).",
                l, src.errors());
        fam.gauge(MetricCatalog.ATTRIBUTION_CONNECTED, "1 when the attribution source's last poll succeeded.", l,
                src.connected() ? 1 : 0);
        fam.gauge(MetricCatalog.ATTRIBUTION_PODS, "Pods holding GPUs in the attribution source's last good answer.", l,
                src.pods());
    }

    private static long[] counts(NvLinkReading l) {
        return new long[]{l.replayErrors(), l.recoveryErrors(), l.crcFlitErrors(), l.crcDataErrors()};
    }

    private static Labels withPairs(Labels base, List<String> pairs) {
        Labels l = base;
        for (int i = 0; i < pairs.size(); i += 2) l = l.add(pairs.get(i), pairs.get(i + 1));
        return l;
    }
}
