package io.gpufleet.analytics.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.analytics.source.SnapshotSamples;
import io.gpufleet.analytics.testing.FleetSnapshots;
import io.gpufleet.contracts.time.ManualClock;
import io.gpufleet.exporter.collect.NodeSnapshot;
import io.gpufleet.exporter.publish.otlp.OtlpMetricsEncoder;
import io.gpufleet.exporter.sim.Fault;
import io.gpufleet.exporter.sim.SimulatedFleet;
import io.gpufleet.exporter.sim.SimulationConfig;
import io.gpufleet.exporter.sim.Workload;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class OtlpSampleDecoderTest {
    static final long T0 = 1_790_000_000_000L;

    private static List<GpuSample> decode(OtlpSampleDecoder d, byte[] bytes) throws MalformedRecordException {
        List<GpuSample> out = new ArrayList<>();
        d.decode(bytes, out::add);
        return out;
    }

    @Test
    void exporterBytesDecodeToTheSnapshotsOwnSamples() throws Exception {
        ManualClock clock = new ManualClock(T0);
        try (SimulatedFleet fleet = SimulatedFleet.create(SimulationConfig.defaults().withNodes(4), clock)) {
            String node = fleet.nodes().get(0).node();
            fleet.startWork(node, 0, new Workload("team-a", "train-7f9c-abcde", "trainer", 0.9, 30L << 30));
            fleet.startWork(node, 1, new Workload("team-b", "infer-a", "", 0.3, 4L << 30, 8L << 30, 500));
            fleet.startWork(node, 1, new Workload("team-c", "infer-b", "srv", 0.2, 10L << 30, 8L << 30, 500));
            fleet.inject(node, 2, new Fault.EccDoubleBit());
            fleet.inject(node, 3, new Fault.Xid(13));
            fleet.inject(node, 4, new Fault.ThermalSlowdown(java.time.Duration.ofMinutes(5)));
            FleetSnapshots snaps = new FleetSnapshots(fleet);
            OtlpMetricsEncoder encoder = new OtlpMetricsEncoder();
            OtlpSampleDecoder decoder = new OtlpSampleDecoder(clock, 3_600_000);
            int checked = 0;
            for (int pass = 0; pass < 5; pass++) {
                clock.advanceMillis(1000);
                for (NodeSnapshot s : snaps.collect(fleet)) {
                    List<GpuSample> decoded = decode(decoder, encoder.encodeBytes(s));
                    assertEquals(SnapshotSamples.of(s), decoded, "node " + s.node() + " pass " + pass);
                    checked += decoded.size();
                }
            }
            assertEquals(5 * fleet.gpuCount(), checked);
            // What the jobs rely on, spelled out once.
            clock.advanceMillis(1000);
            List<GpuSample> n0 = decode(decoder, encoder.encodeBytes(snaps.collect(fleet).get(0)));
            GpuSample exclusive = n0.get(0);
            assertEquals(node, exclusive.node());
            assertEquals(clock.millis(), exclusive.timeMillis());
            assertEquals("train-7f9c-abcde", exclusive.primaryPod().pod());
            assertEquals("team-a", exclusive.primaryPod().namespace());
            assertTrue(exclusive.utilization() > 0.5, exclusive.toString());
            GpuSample shared = n0.get(1);
            assertEquals(2, shared.pods().length, shared.toString());
            assertEquals(8L << 30, shared.pods()[0].shareMemoryBytes());
            assertEquals(0.5, shared.pods()[1].coreShare());
            assertTrue(n0.get(2).eccDoubleBit() >= 1, n0.get(2).toString());
            assertEquals(1, n0.get(3).xidCount(13), n0.get(3).toString());
        }
    }

    private static KeyValue kv(String k, String v) {
        return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setStringValue(v)).build();
    }

    /** What an OpenTelemetry Collector in front of dcgm-exporter sends: identity on every point, DCGM units. */
    static byte[] heavyRequest(String host, int gpus, long timeMillis, double utilPercent) {
        String[][] metrics = {
                {"DCGM_FI_DEV_GPU_UTIL", "util"}, {"DCGM_FI_DEV_FB_USED", "1024"}, {"DCGM_FI_DEV_FB_FREE", "3072"},
                {"DCGM_FI_DEV_GPU_TEMP", "70"}, {"DCGM_FI_DEV_POWER_USAGE", "300"},
                {"DCGM_FI_DEV_CLOCK_THROTTLE_REASONS", "8"}, {"DCGM_FI_DEV_ECC_DBE_VOL_TOTAL", "2"},
                {"DCGM_FI_DEV_XID_ERRORS", "48"}, {"DCGM_FI_DEV_SM_CLOCK", "1410"}};
        ScopeMetrics.Builder scope = ScopeMetrics.newBuilder();
        for (String[] m : metrics) {
            Gauge.Builder g = Gauge.newBuilder();
            for (int i = 0; i < gpus; i++) {
                double v = m[1].equals("util") ? utilPercent : Double.parseDouble(m[1]);
                g.addDataPoints(NumberDataPoint.newBuilder().setTimeUnixNano(timeMillis * 1_000_000L).setAsDouble(v)
                        .addAttributes(kv("gpu", Integer.toString(i))).addAttributes(kv("UUID", "GPU-" + host + "-" + i))
                        .addAttributes(kv("device", "nvidia" + i)).addAttributes(kv("modelName", "NVIDIA H100 80GB HBM3"))
                        .addAttributes(kv("Hostname", host)).addAttributes(kv("pod", i == 0 ? "" : "job-" + i))
                        .addAttributes(kv("namespace", i == 0 ? "" : "ns")).addAttributes(kv("container", "c")));
            }
            scope.addMetrics(Metric.newBuilder().setName(m[0]).setDescription("from dcgm").setGauge(g));
        }
        return ExportMetricsServiceRequest.newBuilder().addResourceMetrics(ResourceMetrics.newBuilder()
                .setResource(Resource.newBuilder().addAttributes(kv("service.name", "dcgm-exporter")))
                .addScopeMetrics(scope)).build().toByteArray();
    }

    @Test
    void collectorShapeWithIdentityOnEveryPointAndDcgmUnits() throws Exception {
        OtlpSampleDecoder d = new OtlpSampleDecoder(new ManualClock(T0), 3_600_000);
        List<GpuSample> out = decode(d, heavyRequest("dgx-1", 8, T0, 42));
        assertEquals(8, out.size());
        for (int i = 0; i < 8; i++) {
            GpuSample s = out.get(i);
            assertEquals("dgx-1", s.node());
            assertEquals(i, s.gpu());
            assertEquals("GPU-dgx-1-" + i, s.uuid());
            assertEquals("NVIDIA H100 80GB HBM3", s.model());
            assertEquals(T0, s.timeMillis());
            assertEquals(0.42, s.utilization(), 1e-12);
            assertEquals(1024.0 * 1024 * 1024, s.memoryUsedBytes());
            assertEquals(4096.0 * 1024 * 1024, s.memoryTotalBytes());
            assertEquals(70, s.temperatureCelsius());
            assertEquals(8, s.clockEventReasons());
            assertEquals(2, s.eccDoubleBit());
            assertEquals(48, s.lastXid());
            if (i == 0) {
                assertEquals(0, s.pods().length == 0 ? 0 : s.pods()[0].pod().length());
            } else {
                assertEquals("job-" + i, s.primaryPod().pod());
                assertEquals("ns", s.primaryPod().namespace());
            }
        }
    }

    @Test
    void malformedRecordsAreRefusedWithAReason() {
        ManualClock clock = new ManualClock(T0);
        OtlpSampleDecoder d = new OtlpSampleDecoder(clock, 60_000);
        assertEquals("empty", assertThrows(MalformedRecordException.class, () -> decode(d, new byte[0])).reason());
        assertEquals("not_protobuf", assertThrows(MalformedRecordException.class,
                () -> decode(d, "{\"json\": true}".getBytes())).reason());
        assertEquals("absurd_timestamp", assertThrows(MalformedRecordException.class,
                () -> decode(d, heavyRequest("h", 1, T0 + 3_600_000, 1))).reason());
        assertEquals("absurd_timestamp", assertThrows(MalformedRecordException.class,
                () -> decode(d, heavyRequest("h", 1, 1000, 1))).reason());
        var nan = assertThrows(MalformedRecordException.class, () -> decode(d, heavyRequest("h", 2, T0, Double.NaN)));
        assertEquals("nan_value", nan.reason());
        assertTrue(nan.getMessage().contains("DCGM_FI_DEV_GPU_UTIL"), nan.getMessage());
        // Valid protobuf, but no metric the jobs know (wrong schema for us).
        byte[] unrelated = ExportMetricsServiceRequest.newBuilder().addResourceMetrics(ResourceMetrics.newBuilder()
                .addScopeMetrics(ScopeMetrics.newBuilder().addMetrics(Metric.newBuilder().setName("http_requests")
                        .setGauge(Gauge.newBuilder().addDataPoints(NumberDataPoint.newBuilder().setAsInt(3))))))
                .build().toByteArray();
        assertEquals("no_samples", assertThrows(MalformedRecordException.class, () -> decode(d, unrelated)).reason());
        // GPU metrics without any identity.
        byte[] anonymous = ExportMetricsServiceRequest.newBuilder().addResourceMetrics(ResourceMetrics.newBuilder()
                .addScopeMetrics(ScopeMetrics.newBuilder().addMetrics(Metric.newBuilder().setName("DCGM_FI_DEV_GPU_UTIL")
                        .setGauge(Gauge.newBuilder().addDataPoints(NumberDataPoint.newBuilder()
                                .setTimeUnixNano(T0 * 1_000_000L).setAsDouble(3))))))
                .build().toByteArray();
        assertEquals("no_gpu_identity", assertThrows(MalformedRecordException.class, () -> decode(d, anonymous)).reason());
    }

    @Test
    void randomCorruptionNeverEscapesAsAnythingButARefusal() throws Exception {
        ManualClock clock = new ManualClock(T0);
        byte[] good;
        try (SimulatedFleet fleet = SimulatedFleet.create(SimulationConfig.defaults().withNodes(1), clock)) {
            clock.advanceMillis(1000);
            good = new OtlpMetricsEncoder().encodeBytes(new FleetSnapshots(fleet).collect(fleet).get(0));
        }
        OtlpSampleDecoder d = new OtlpSampleDecoder(clock, 3_600_000);
        SplittableRandom rnd = new SplittableRandom(7);
        int refused = 0, accepted = 0;
        for (int i = 0; i < 3000; i++) {
            byte[] b = good.clone();
            int flips = 1 + rnd.nextInt(8);
            for (int f = 0; f < flips; f++) b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
            if (rnd.nextInt(4) == 0) b = java.util.Arrays.copyOf(b, rnd.nextInt(b.length));
            try {
                List<GpuSample> out = decode(d, b);
                for (GpuSample s : out) {
                    assertTrue(s.timeMillis() >= OtlpSampleDecoder.MIN_TIME_MILLIS, s.toString());
                    assertTrue(!s.node().isEmpty(), s.toString());
                }
                accepted++;
            } catch (MalformedRecordException e) {
                assertTrue(e.reason().matches("[a-z_]+"), e.reason());
                refused++;
            }
        }
        assertTrue(refused > 100 && accepted > 100, "refused " + refused + " accepted " + accepted);
        // The decoder is still fine afterwards.
        assertEquals(8, decode(d, good).size());
    }
}
