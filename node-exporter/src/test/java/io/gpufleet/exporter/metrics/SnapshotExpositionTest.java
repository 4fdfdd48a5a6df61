package io.gpufleet.exporter.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.exporter.attribution.PodRef;
import io.gpufleet.exporter.collect.Collector;
import io.gpufleet.exporter.collect.CollectorSettings;
import io.gpufleet.exporter.collect.NodeSnapshot;
import io.gpufleet.exporter.health.HealthEvaluator;
import io.gpufleet.exporter.health.HealthPolicy;
import io.gpufleet.exporter.publish.MetricsPublisher;
import io.gpufleet.exporter.source.GpuEvent;
import io.gpufleet.exporter.source.GpuField;
import io.gpufleet.exporter.source.GpuPair;
import io.gpufleet.contracts.time.ManualClock;
import io.gpufleet.exporter.source.NvLinkReading;
import io.gpufleet.exporter.source.PathLevel;
import io.gpufleet.exporter.source.ProcessReading;
import io.gpufleet.exporter.source.ScriptedGpuSource;
import io.gpufleet.exporter.source.Topology;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class SnapshotExpositionTest {
    private final ManualClock clock = new ManualClock(1_700_000_000_000L);

    private NodeSnapshot snapshot() {
        ScriptedGpuSource src = new ScriptedGpuSource("node-a", 2, clock)
                .set(0, GpuField.GPU_UTILIZATION_RATIO, 0.75)
                .set(0, GpuField.ECC_SINGLE_BIT_AGGREGATE_TOTAL, 5)
                .set(0, GpuField.CLOCK_EVENT_REASONS, 0x41)
                .fail(1, GpuField.MEMORY_TEMPERATURE_CELSIUS, "NOT_SUPPORTED")
                .processes(0, List.of(new ProcessReading(4242, 1L << 30)))
                .nvLinks(0, List.of(new NvLinkReading(0, true, 1, 2, 3, 4), new NvLinkReading(1, false, 0, 0, 10, -1)))
                .topology(new Topology(List.of(new GpuPair(0, 1, PathLevel.NV, 18))));
        Collector c = new Collector(src, (gpu, procs) -> gpu.index() == 0
                ? List.of(new PodRef("ml", "trainer-0", "main", 0, 1000, 1L << 30))
                : List.of(new PodRef("ml", "a", "c", 8L << 30, 250, -1), new PodRef("web", "b", "c", 16L << 30, 500, 123)),
                new HealthEvaluator(HealthPolicy.DEFAULT), clock, CollectorSettings.DEFAULT);
        c.recordEvents(List.of(GpuEvent.xid(1, "GPU-node-a-1", 79, clock.millis())));
        return c.collectOnce();
    }

    private static String text(MetricSet set, NodeSnapshot s, List<MetricsPublisher> pubs) {
        ScrapeCache cache = new ScrapeCache(new SnapshotExposition(set), () -> pubs);
        cache.update(s);
        return new String(cache.get(ScrapeCache.Format.PROMETHEUS_TEXT, false), StandardCharsets.UTF_8);
    }

    @Test
    void nativeMetricsCarryBaseUnitsAndIdentityLabels() {
        TextExposition t = TextExposition.parse(text(MetricSet.NATIVE, snapshot(), List.of()));
        assertEquals(85520809984.0, t.value("gpufleet_gpu_memory_total_bytes", "node", "node-a", "gpu", "0",
                "uuid", "GPU-node-a-0", "model", "NVIDIA H100 80GB HBM3", "pod", "trainer-0", "namespace", "ml"));
        assertEquals(0.75, t.value("gpufleet_gpu_utilization_ratio", "gpu", "0"));
        assertEquals(345e6, t.value("gpufleet_gpu_clock_hertz", "gpu", "0", "clock", "sm"));
        assertEquals(5, t.value("gpufleet_gpu_ecc_errors_total", "gpu", "0", "type", "single_bit", "counter", "aggregate"));
        assertEquals("counter", t.types.get("gpufleet_gpu_ecc_errors_total"));
        assertEquals(1, t.value("gpufleet_gpu_clock_event_active", "gpu", "0", "reason", "hw_thermal_slowdown"));
        assertEquals(1, t.value("gpufleet_gpu_clock_event_active", "gpu", "0", "reason", "gpu_idle"));
        assertEquals(0, t.value("gpufleet_gpu_clock_event_active", "gpu", "0", "reason", "sw_power_cap"));
        assertEquals(1, t.value("gpufleet_gpu_info", "gpu", "1", "pci_bus_id", "00000000:18:00.0", "numa_node", "1"));
        // XID: never-resetting counter, last seen, health with reason.
        assertEquals(1, t.value("gpufleet_gpu_xid_errors_total", "gpu", "1", "xid", "79", "class", "reboot_node"));
        assertEquals(clock.millis() / 1000.0, t.value("gpufleet_gpu_xid_last_seen_timestamp_seconds", "gpu", "1", "xid", "79"));
        assertEquals(2, t.value("gpufleet_gpu_health_status", "gpu", "1", "reason", "xid_79_reboot_node"));
        assertEquals(1, t.value("gpufleet_gpu_health", "gpu", "1", "status", "failed"));
        assertEquals(0, t.value("gpufleet_gpu_health", "gpu", "1", "status", "healthy"));
        assertEquals(0, t.value("gpufleet_gpu_health_status", "gpu", "0"));
        // Unsupported fields: absent, with the reason visible.
        assertTrue(t.find("gpufleet_gpu_temperature_celsius", "gpu", "1", "sensor", "memory").isEmpty());
        assertEquals(1, t.value("gpufleet_gpu_field_unavailable", "gpu", "1", "field", "memory_temperature_celsius",
                "reason", "NOT_SUPPORTED"));
        // NVLink: per GPU by state and error type; per link only where errors happened; -1 (unreadable) is skipped.
        assertEquals(1, t.value("gpufleet_gpu_nvlinks", "gpu", "0", "state", "active"));
        assertEquals(1, t.value("gpufleet_gpu_nvlinks", "gpu", "0", "state", "inactive"));
        assertEquals(13, t.value("gpufleet_gpu_nvlink_errors_total", "gpu", "0", "type", "crc_flit"));
        assertEquals(4, t.value("gpufleet_gpu_nvlink_errors_total", "gpu", "0", "type", "crc_data"));
        assertEquals(3, t.value("gpufleet_gpu_nvlink_link_errors_total", "gpu", "0", "link", "0", "type", "crc_flit"));
        assertEquals(10, t.value("gpufleet_gpu_nvlink_link_errors_total", "gpu", "0", "link", "1", "type", "crc_flit"));
        assertTrue(t.find("gpufleet_gpu_nvlink_link_errors_total", "gpu", "0", "link", "1", "type", "replay").isEmpty(),
                "links without errors add no series");
        assertTrue(t.find("gpufleet_gpu_nvlinks", "gpu", "1").isEmpty(), "a GPU without NVLink has no NVLink series");
        assertEquals(1L << 30, t.value("gpufleet_gpu_process_memory_used_bytes", "gpu", "0", "pid", "4242"));
        assertEquals(18, t.value("gpufleet_gpu_topology_nvlinks", "gpu", "0", "peer_gpu", "1"));
        assertEquals(1, t.all("gpufleet_gpu_topology_nvlinks").size(), "one series per connected pair");
        assertEquals(1, t.value("gpufleet_gpu_topology_peers", "gpu", "1", "path", "NV"));
        assertTrue(t.find("gpufleet_gpu_topology_peers", "gpu", "1", "path", "SYS").isEmpty());
        assertEquals(2, t.value("gpufleet_exporter_gpus", "node", "node-a"));
        assertEquals(1, t.value("gpufleet_exporter_collections_total", "node", "node-a"));
    }

    @Test
    void sharedGpuGetsPerPodSeriesAndNoSinglePodLabel() {
        TextExposition t = TextExposition.parse(text(MetricSet.NATIVE, snapshot(), List.of()));
        assertFalse(t.find("gpufleet_gpu_memory_used_bytes", "gpu", "1").orElseThrow().labels().containsKey("pod"));
        assertEquals(8L << 30, t.value("gpufleet_gpu_pod_memory_share_bytes", "gpu", "1", "pod", "a", "namespace", "ml"));
        assertEquals(0.5, t.value("gpufleet_gpu_pod_core_share_ratio", "gpu", "1", "pod", "b", "namespace", "web"));
        assertEquals(123, t.value("gpufleet_gpu_pod_memory_used_bytes", "gpu", "1", "pod", "b"));
        assertTrue(t.find("gpufleet_gpu_pod_memory_used_bytes", "gpu", "1", "pod", "a").isEmpty(), "unknown use is absent");
    }

    @Test
    void dcgmSetUsesDcgmNamesLabelsAndUnits() {
        TextExposition t = TextExposition.parse(text(MetricSet.DCGM, snapshot(), List.of()));
        String[] gpu0 = {"gpu", "0", "UUID", "GPU-node-a-0", "device", "nvidia0", "modelName", "NVIDIA H100 80GB HBM3",
                "Hostname", "node-a", "pod", "trainer-0", "namespace", "ml", "container", "main"};
        assertEquals(480.0, t.value("DCGM_FI_DEV_FB_USED", gpu0), 1e-9); // 503316480 bytes = 480 MiB
        assertEquals(75.0, t.value("DCGM_FI_DEV_GPU_UTIL", gpu0), 1e-9);
        assertEquals(345.0, t.value("DCGM_FI_DEV_SM_CLOCK", gpu0), 1e-9);
        assertEquals(72.402, t.value("DCGM_FI_DEV_POWER_USAGE", gpu0), 1e-9);
        assertEquals(1_000_000.0, t.value("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", gpu0), 1e-9);
        assertEquals(79, t.value("DCGM_FI_DEV_XID_ERRORS", "gpu", "1"));
        assertEquals(13, t.value("DCGM_FI_DEV_NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL", "gpu", "0"), "summed over links");
        assertTrue(t.all("gpufleet_gpu_memory_used_bytes").isEmpty(), "native names are off in dcgm mode");
        TextExposition both = TextExposition.parse(text(MetricSet.BOTH, snapshot(), List.of()));
        assertFalse(both.all("gpufleet_gpu_memory_used_bytes").isEmpty());
        assertFalse(both.all("DCGM_FI_DEV_FB_USED").isEmpty());
    }

    @Test
    void publisherHealthIsExposed() {
        MetricsPublisher pub = new MetricsPublisher() {
            public String name() { return "kafka"; }
            public void publish(NodeSnapshot s) {}
            public PublisherStats stats() { return new PublisherStats(10, 3, 2, false); }
            public void close() {}
        };
        TextExposition t = TextExposition.parse(text(MetricSet.NATIVE, snapshot(), List.of(pub)));
        assertEquals(3, t.value("gpufleet_exporter_publisher_dropped_total", "publisher", "kafka"));
        assertEquals(10, t.value("gpufleet_exporter_publisher_sent_total", "publisher", "kafka"));
        assertEquals(0, t.value("gpufleet_exporter_publisher_connected", "publisher", "kafka"));
    }

    @Test
    void attributionHealthIsExposed() {
        var stats = new io.gpufleet.exporter.attribution.AttributionStats(false, true, 4, 12, 9, 2, 1, 30, 0, 3);
        ScrapeCache cache = new ScrapeCache(new SnapshotExposition(MetricSet.NATIVE), List::of,
                () -> java.util.Optional.of(stats));
        cache.update(snapshot());
        TextExposition t = TextExposition.parse(new String(cache.get(ScrapeCache.Format.PROMETHEUS_TEXT, false),
                StandardCharsets.UTF_8));
        assertEquals(0, t.value("gpufleet_exporter_kubernetes_connected", "node", "node-a"));
        assertEquals(4, t.value("gpufleet_exporter_kubernetes_errors_total", "node", "node-a"));
        assertEquals(9, t.value("gpufleet_exporter_kubernetes_pods", "kind", "assigned"));
        assertEquals(1, t.value("gpufleet_exporter_assignment_annotation_errors_total"));
        assertEquals(3, t.value("gpufleet_exporter_unattributed_processes_total"));
        assertTrue(TextExposition.parse(text(MetricSet.NATIVE, snapshot(), List.of()))
                .all("gpufleet_exporter_kubernetes_connected").isEmpty(), "nothing without Kubernetes");
    }

    @Test
    void polledAttributionSourcesAreExposedBySource() {
        var src = new io.gpufleet.exporter.attribution.SourceStats("podresources", false, 7, 3);
        ScrapeCache cache = new ScrapeCache(new SnapshotExposition(MetricSet.DCGM), List::of,
                java.util.Optional::empty, () -> List.of(src));
        cache.update(snapshot());
        TextExposition t = TextExposition.parse(new String(cache.get(ScrapeCache.Format.PROMETHEUS_TEXT, false),
                StandardCharsets.UTF_8));
        assertEquals(7, t.value("gpufleet_exporter_attribution_errors_total", "source", "podresources"));
        assertEquals(0, t.value("gpufleet_exporter_attribution_connected", "source", "podresources"));
        assertEquals(3, t.value("gpufleet_exporter_attribution_pods", "source", "podresources"));
        assertTrue(TextExposition.parse(text(MetricSet.NATIVE, snapshot(), List.of()))
                .all("gpufleet_exporter_attribution_errors_total").isEmpty(), "nothing without a polled source");
    }

    @Test
    void openMetricsAndGzipVariantsAreConsistent() throws Exception {
        ScrapeCache cache = new ScrapeCache(new SnapshotExposition(MetricSet.BOTH), List::of);
        assertNull(cache.get(ScrapeCache.Format.PROMETHEUS_TEXT, false));
        cache.update(snapshot());
        String om = new String(cache.get(ScrapeCache.Format.OPENMETRICS, false), StandardCharsets.UTF_8);
        assertTrue(om.endsWith("# EOF\n"));
        assertTrue(om.contains("gpufleet_gpu_xid_errors_total{"));
        byte[] gz = cache.get(ScrapeCache.Format.PROMETHEUS_TEXT, true);
        byte[] plain = cache.get(ScrapeCache.Format.PROMETHEUS_TEXT, false);
        assertTrue(gz.length < plain.length / 3);
        try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(gz))) {
            assertEquals(new String(plain, StandardCharsets.UTF_8), new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        assertEquals(ScrapeCache.Format.OPENMETRICS,
                ScrapeCache.Format.negotiate("application/openmetrics-text;version=1.0.0;q=0.5,text/plain;q=0.4"));
        assertEquals(ScrapeCache.Format.PROMETHEUS_TEXT, ScrapeCache.Format.negotiate(null));
    }

    @Test
    void everyCatalogueEntryHasADistinctDcgmNameAndLabelPairs() {
        java.util.Set<String> dcgm = new java.util.HashSet<>();
        for (MetricCatalog.Spec s : MetricCatalog.all()) {
            assertEquals(0, s.labels().size() % 2, s.field() + " labels come in pairs");
            assertTrue(s.name().startsWith("gpufleet_gpu_"), s.name());
            if (s.dcgmName() != null) assertTrue(dcgm.add(s.dcgmName()), "duplicate " + s.dcgmName());
        }
    }
}
