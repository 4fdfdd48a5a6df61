package io.gpufleet.exporter.publish.otlp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.exporter.attribution.PodRef;
import io.gpufleet.exporter.collect.GpuState;
import io.gpufleet.exporter.collect.NodeSnapshot;
import io.gpufleet.exporter.collect.XidStat;
import io.gpufleet.exporter.health.GpuHealth;
import io.gpufleet.exporter.health.HealthStatus;
import io.gpufleet.exporter.metrics.MetricCatalog;
import io.gpufleet.exporter.publish.otlp.OtlpPoints.Point;
import io.gpufleet.exporter.source.GpuField;
import io.gpufleet.exporter.source.GpuReading;
import io.gpufleet.exporter.source.NvLinkReading;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class OtlpMetricsEncoderTest {
    private static final long T = 1_790_000_000_123L;
    private final OtlpMetricsEncoder encoder = new OtlpMetricsEncoder(T - 60_000, false);

    private static ExportMetricsServiceRequest roundTrip(byte[] bytes) throws Exception {
        return ExportMetricsServiceRequest.parseFrom(bytes);
    }

    @Test
    void oneResourcePerGpuWithIdentityAttributes() throws Exception {
        NodeSnapshot s = TestSnapshots.snapshot("node-a", 4, T, 7);
        ExportMetricsServiceRequest req = roundTrip(encoder.encodeBytes(s));
        assertEquals(4, req.getResourceMetricsCount());
        for (int i = 0; i < 4; i++) {
            ResourceMetrics rm = req.getResourceMetrics(i);
            Map<String, String> res = OtlpPoints.attrs(rm.getResource().getAttributesList());
            var id = TestSnapshots.identity("node-a", i);
            assertEquals(Map.of(OtlpMetricsEncoder.HOST_NAME, "node-a", OtlpMetricsEncoder.GPU_INDEX, Integer.toString(i),
                    OtlpMetricsEncoder.GPU_UUID, id.uuid(), OtlpMetricsEncoder.GPU_MODEL, id.model(),
                    OtlpMetricsEncoder.GPU_PCI_BUS_ID, id.pciBusId()), res);
            // gpu.index is an integer attribute, not a string.
            assertEquals(i, rm.getResource().getAttributesList().stream()
                    .filter(kv -> kv.getKey().equals(OtlpMetricsEncoder.GPU_INDEX)).findFirst().orElseThrow()
                    .getValue().getIntValue());
            assertEquals(1, rm.getScopeMetricsCount());
            assertEquals(OtlpMetricsEncoder.SCOPE_NAME, rm.getScopeMetrics(0).getScope().getName());
        }
    }

    @Test
    void fieldsBecomeNamedPointsWithFoldingAttributesOnly() throws Exception {
        NodeSnapshot s = TestSnapshots.snapshot("n", 2, T, 1);
        List<Point> points = OtlpPoints.points(roundTrip(encoder.encodeBytes(s)));
        String uuid1 = TestSnapshots.identity("n", 1).uuid();

        assertEquals(2e9, OtlpPoints.only(points, uuid1, "gpufleet_gpu_memory_used_bytes", Map.of()).value());
        assertEquals(41, OtlpPoints.only(points, uuid1, "gpufleet_gpu_temperature_celsius", Map.of("sensor", "gpu")).value());
        assertEquals(51, OtlpPoints.only(points, uuid1, "gpufleet_gpu_temperature_celsius", Map.of("sensor", "memory")).value());
        assertEquals(1, OtlpPoints.only(points, uuid1, "gpufleet_gpu_ecc_errors",
                Map.of("type", "double_bit", "counter", "volatile")).value());
        assertEquals(1e6, OtlpPoints.only(points, uuid1, "gpufleet_gpu_pcie_throughput_bytes_per_second",
                Map.of("direction", "tx")).value());
        // Absent fields are not emitted: no reserved memory (failed), no rx direction, no power limit.
        for (Point p : points) {
            assertFalse(p.metric().equals("gpufleet_gpu_memory_reserved_bytes"), p.toString());
            assertFalse(p.metric().equals("gpufleet_gpu_power_limit_watts"), p.toString());
            assertFalse(p.attributes().equals(Map.of("direction", "rx")), p.toString());
            assertEquals(T * 1_000_000L, p.timeUnixNano(), "points carry the snapshot's time");
        }
    }

    @Test
    void countersAreMonotonicCumulativeSumsUnderTheirNativeName() throws Exception {
        NodeSnapshot s = TestSnapshots.snapshot("n", 1, T, 1);
        ExportMetricsServiceRequest req = roundTrip(encoder.encodeBytes(s));
        Map<String, Metric> byName = new HashMap<>();
        for (Metric m : req.getResourceMetrics(0).getScopeMetrics(0).getMetricsList()) {
            assertTrue(byName.put(m.getName(), m) == null, "one Metric per name: " + m.getName());
        }
        Metric energy = byName.get("gpufleet_gpu_energy_joules");
        assertTrue(energy.hasSum());
        assertTrue(energy.getSum().getIsMonotonic());
        assertEquals(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE, energy.getSum().getAggregationTemporality());
        assertEquals((T - 60_000) * 1_000_000L, energy.getSum().getDataPoints(0).getStartTimeUnixNano());
        assertFalse(byName.containsKey("gpufleet_gpu_energy_joules_total"));
        assertTrue(byName.get("gpufleet_gpu_memory_used_bytes").hasGauge());
        assertTrue(byName.get(MetricCatalog.XID_ERRORS) == null, "no XID points when none were seen");
        // The compact shape omits descriptions; the described one carries help and unit.
        assertEquals("", byName.get("gpufleet_gpu_power_usage_watts").getDescription());
        Metric described = new OtlpMetricsEncoder(0, true).encode(s).getResourceMetrics(0).getScopeMetrics(0)
                .getMetricsList().stream().filter(m -> m.getName().equals("gpufleet_gpu_power_usage_watts"))
                .findFirst().orElseThrow();
        assertEquals("W", described.getUnit());
        assertEquals(MetricCatalog.spec(GpuField.POWER_USAGE_WATTS).help(), described.getDescription());
    }

    @Test
    void healthXidEccPodAndNvLinkPoints() throws Exception {
        GpuReading.Builder b = new GpuReading.Builder(TestSnapshots.identity("n", 0), T);
        b.set(GpuField.MEMORY_USED_BYTES, 5e9);
        b.nvLinks(List.of(new NvLinkReading(0, true, 3, -1, 0, 2), new NvLinkReading(1, false, -1, -1, -1, -1)));
        List<PodRef> pods = List.of(new PodRef("team-a", "train-0", "main", 8L << 30, 500, 3_000_000_000L),
                new PodRef("team-b", "infer-1", "", 0, 0, -1));
        GpuState g = new GpuState(b.build(), new GpuHealth(HealthStatus.FAILED, List.of("xid_79_reboot_node", "ecc_dbe")),
                pods, List.of(new XidStat(13, 4, T - 5000), new XidStat(79, 1, T - 1000)), 2, 17);
        List<Point> points = OtlpPoints.points(roundTrip(encoder.encodeBytes(TestSnapshots.snapshot("n", List.of(g), T, 3))));
        String u = TestSnapshots.identity("n", 0).uuid();

        assertEquals(2, OtlpPoints.only(points, u, MetricCatalog.HEALTH_STATUS, Map.of("reason", "xid_79_reboot_node")).value());
        assertEquals(4, OtlpPoints.only(points, u, MetricCatalog.XID_ERRORS, Map.of("xid", "13")).value());
        Point xid79 = OtlpPoints.only(points, u, MetricCatalog.XID_ERRORS, Map.of("xid", "79"));
        assertEquals(1, xid79.value());
        assertTrue(xid79.sum());
        assertEquals((T - 1000) / 1000.0, OtlpPoints.only(points, u, MetricCatalog.XID_LAST_SEEN, Map.of("xid", "79")).value());
        assertEquals(2, OtlpPoints.only(points, u, MetricCatalog.ECC_EVENTS, Map.of("type", "double_bit")).value());
        assertEquals(17, OtlpPoints.only(points, u, MetricCatalog.ECC_EVENTS, Map.of("type", "single_bit")).value());
        assertEquals(3e9, OtlpPoints.only(points, u, MetricCatalog.POD_MEMORY_USED,
                Map.of("namespace", "team-a", "pod", "train-0", "container", "main")).value());
        assertEquals(8L << 30, OtlpPoints.only(points, u, MetricCatalog.POD_MEMORY_SHARE,
                Map.of("namespace", "team-a", "pod", "train-0", "container", "main")).value());
        assertEquals(0.5, OtlpPoints.only(points, u, MetricCatalog.POD_CORE_SHARE,
                Map.of("namespace", "team-a", "pod", "train-0", "container", "main")).value());
        // The second pod's use is unknown (-1): no point for it.
        assertTrue(points.stream().noneMatch(p -> p.metric().equals(MetricCatalog.POD_MEMORY_USED)
                && "infer-1".equals(p.attributes().get("pod"))));
        assertEquals(1, OtlpPoints.only(points, u, MetricCatalog.NVLINKS, Map.of("state", "active")).value());
        assertEquals(1, OtlpPoints.only(points, u, MetricCatalog.NVLINKS, Map.of("state", "inactive")).value());
        assertEquals(3, OtlpPoints.only(points, u, MetricCatalog.NVLINK_ERRORS, Map.of("type", "replay")).value());
        assertEquals(0, OtlpPoints.only(points, u, MetricCatalog.NVLINK_ERRORS, Map.of("type", "crc_flit")).value());
        assertTrue(points.stream().noneMatch(p -> p.metric().equals(MetricCatalog.NVLINK_ERRORS)
                && "recovery".equals(p.attributes().get("type"))), "a counter no link could read is absent");
        assertEquals(3, OtlpPoints.only(points, u, MetricCatalog.NVLINK_LINK_ERRORS, Map.of("link", "0", "type", "replay")).value());
        assertEquals(2, OtlpPoints.only(points, u, MetricCatalog.NVLINK_LINK_ERRORS, Map.of("link", "0", "type", "crc_data")).value());
        assertEquals(2, points.stream().filter(p -> p.metric().equals(MetricCatalog.NVLINK_LINK_ERRORS)).count(),
                "per link only the counters that are above zero");
        // Two pods share the GPU: no pod identity on the resource.
        assertFalse(points.get(0).resource().containsKey(OtlpMetricsEncoder.K8S_POD));
    }

    @Test
    void singlePodIdentityGoesOnTheResource() {
        GpuState base = TestSnapshots.gpu("n", 0, T);
        GpuState one = new GpuState(base.reading(), GpuHealth.OK,
                List.of(new PodRef("ml", "bert-7", "trainer", 0, 0, 123)), List.of(), 0, 0);
        ExportMetricsServiceRequest req = encoder.encode(TestSnapshots.snapshot("n", List.of(one), T, 1));
        Map<String, String> res = OtlpPoints.attrs(req.getResourceMetrics(0).getResource().getAttributesList());
        assertEquals("bert-7", res.get(OtlpMetricsEncoder.K8S_POD));
        assertEquals("ml", res.get(OtlpMetricsEncoder.K8S_NAMESPACE));
        assertEquals("trainer", res.get(OtlpMetricsEncoder.K8S_CONTAINER));
        // Memory use changes pass to pass; the cached resource still follows a pod change.
        GpuState other = new GpuState(base.reading(), GpuHealth.OK,
                List.of(new PodRef("ml", "bert-8", "", 0, 0, 456)), List.of(), 0, 0);
        Map<String, String> res2 = OtlpPoints.attrs(encoder.encode(TestSnapshots.snapshot("n", List.of(other), T, 2))
                .getResourceMetrics(0).getResource().getAttributesList());
        assertEquals("bert-8", res2.get(OtlpMetricsEncoder.K8S_POD));
        assertFalse(res2.containsKey(OtlpMetricsEncoder.K8S_CONTAINER));
    }

    @Test
    void lostGpuCarriesOnlyHealthAndExporterCounters() {
        GpuState lost = new GpuState(GpuReading.lost(TestSnapshots.identity("n", 2), T, "GPU_IS_LOST"),
                new GpuHealth(HealthStatus.FAILED, List.of("lost")), List.of(), List.of(), 0, 0);
        List<Point> points = OtlpPoints.points(encoder.encode(TestSnapshots.snapshot("n", List.of(lost), T, 1)));
        Set<String> names = new HashSet<>();
        for (Point p : points) names.add(p.metric());
        assertEquals(Set.of(MetricCatalog.HEALTH_STATUS, MetricCatalog.ECC_EVENTS), names);
        assertEquals(2, OtlpPoints.only(points, lost.reading().gpu().uuid(), MetricCatalog.HEALTH_STATUS,
                Map.of("reason", "lost")).value());
    }

    @Test
    void healthyGpuHasHealthZeroWithoutReason() {
        List<Point> points = OtlpPoints.points(encoder.encode(TestSnapshots.snapshot("n", 1, T, 1)));
        assertEquals(0, OtlpPoints.only(points, TestSnapshots.identity("n", 0).uuid(), MetricCatalog.HEALTH_STATUS,
                Map.of()).value());
    }

    @Test
    void rejectsBadInput() {
        assertThrows(NullPointerException.class, () -> encoder.encode(null));
        var e = assertThrows(IllegalArgumentException.class, () -> new OtlpMetricsEncoder(-1, false));
        assertTrue(e.getMessage().contains("startEpochMillis"));
    }

    /** Property: for random snapshots every present field appears exactly once with its value, nothing else does. */
    @Test
    void everyPresentFieldExactlyOnceForRandomSnapshots() throws Exception {
        SplittableRandom rnd = new SplittableRandom(20261123L);
        Set<String> catalogueNames = MetricCatalog.byNativeName().keySet();
        for (int c = 0; c < 300; c++) {
            int n = rnd.nextInt(0, 9);
            long t = T + rnd.nextInt(1_000_000);
            List<GpuState> gpus = new ArrayList<>();
            for (int i = 0; i < n; i++) gpus.add(TestSnapshots.randomGpu(rnd, "node-" + c, i, t));
            NodeSnapshot s = TestSnapshots.snapshot("node-" + c, gpus, t, c);
            ExportMetricsServiceRequest req = roundTrip(encoder.encodeBytes(s));
            assertEquals(n, req.getResourceMetricsCount(), "case " + c);
            List<Point> points = OtlpPoints.points(req);

            // Expected catalogue points, computed from the catalogue directly.
            Map<String, Double> expected = new LinkedHashMap<>();
            for (GpuState g : gpus) {
                for (GpuField f : GpuField.values()) {
                    if (!g.reading().has(f)) continue;
                    MetricCatalog.Spec spec = MetricCatalog.spec(f);
                    Map<String, String> labels = new LinkedHashMap<>();
                    for (int i = 0; i + 1 < spec.labels().size(); i += 2) labels.put(spec.labels().get(i), spec.labels().get(i + 1));
                    expected.put(g.reading().gpu().uuid() + "|" + spec.name() + "|" + labels, g.reading().value(f));
                }
            }
            Map<String, Double> actual = new LinkedHashMap<>();
            int xidPoints = 0, podUsedPoints = 0;
            for (Point p : points) {
                assertEquals(t * 1_000_000L, p.timeUnixNano());
                if (catalogueNames.contains(p.metric())) {
                    String key = p.resource().get(OtlpMetricsEncoder.GPU_UUID) + "|" + p.metric() + "|" + p.attributes();
                    assertTrue(actual.put(key, p.value()) == null, "duplicate point " + key);
                }
                if (p.metric().equals(MetricCatalog.XID_ERRORS)) xidPoints++;
                if (p.metric().equals(MetricCatalog.POD_MEMORY_USED)) podUsedPoints++;
            }
            assertEquals(expected, actual, "case " + c);
            assertEquals(gpus.stream().mapToInt(g -> g.xids().size()).sum(), xidPoints, "case " + c);
            assertEquals(gpus.stream().flatMap(g -> g.pods().stream()).filter(p -> p.usedMemoryBytes() >= 0).count(),
                    podUsedPoints, "case " + c);
            for (int i = 0; i < n; i++) {
                GpuState g = gpus.get(i);
                Map<String, String> res = OtlpPoints.attrs(req.getResourceMetrics(i).getResource().getAttributesList());
                assertEquals(g.reading().gpu().uuid(), res.get(OtlpMetricsEncoder.GPU_UUID));
                assertEquals(g.pods().size() == 1, res.containsKey(OtlpMetricsEncoder.K8S_POD), "case " + c);
                // One Metric per name within a GPU.
                Set<String> seen = new HashSet<>();
                for (Metric m : req.getResourceMetrics(i).getScopeMetrics(0).getMetricsList()) {
                    assertTrue(seen.add(m.getName()), "case " + c + " repeats " + m.getName());
                    assertTrue(m.hasSum() ? m.getSum().getDataPointsCount() > 0 : m.getGauge().getDataPointsCount() > 0);
                }
            }
        }
    }
}
