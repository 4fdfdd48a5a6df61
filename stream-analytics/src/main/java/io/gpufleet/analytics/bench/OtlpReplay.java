package io.gpufleet.analytics.bench;

import io.gpufleet.analytics.decode.GpuSample;
import io.gpufleet.analytics.decode.PodShare;
import io.gpufleet.analytics.quota.UsageMath;
import io.gpufleet.analytics.source.SnapshotSamples;
import io.gpufleet.contracts.time.ManualClock;
import io.gpufleet.exporter.collect.Collector;
import io.gpufleet.exporter.collect.CollectorSettings;
import io.gpufleet.exporter.collect.NodeSnapshot;
import io.gpufleet.exporter.health.HealthEvaluator;
import io.gpufleet.exporter.health.HealthPolicy;
import io.gpufleet.exporter.publish.otlp.OtlpMetricsEncoder;
import io.gpufleet.exporter.sim.SimulatedFleet;
import io.gpufleet.exporter.sim.SimulatedNode;
import io.gpufleet.exporter.sim.SimulationConfig;
import io.gpufleet.exporter.sim.Workload;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.connector.datagen.source.GeneratorFunction;

/**
 * OTLP records exactly as the exporter writes them to Kafka, at benchmark speed: a simulated fleet is collected
 * for a few passes and each node snapshot is encoded with the exporter's {@link OtlpMetricsEncoder}; record
 * {@code i} is node {@code i mod nodes}'s snapshot of pass {@code (i / nodes) mod passes}, copied with its point
 * timestamps moved to tick {@code i / nodes} (the 8-byte fixed64 values are patched in place). Pure in {@code i},
 * so the quota ground truth is exact ({@link #groundTruth}).
 */
final class OtlpReplay implements GeneratorFunction<Long, byte[]>, Serializable {
    private static final long serialVersionUID = 1L;

    private final byte[][] templates; // [pass * nodes + node]
    private final int[][] timePositions;
    private final long[] templateTimes;
    /** Per template: its samples' usage contributions by group: group -> allocated, used, memory, samples. */
    private final List<Map<String, long[]>> usage;
    private final int nodes;
    private final int passes;
    private final int gpusPerRecord;
    private final long startMillis;
    private final long intervalMillis;

    OtlpReplay(int nodes, int passes, long startMillis, long intervalMillis) {
        this.nodes = nodes;
        this.passes = passes;
        this.startMillis = startMillis;
        this.intervalMillis = intervalMillis;
        ManualClock clock = new ManualClock(startMillis);
        templates = new byte[nodes * passes][];
        timePositions = new int[nodes * passes][];
        templateTimes = new long[nodes * passes];
        usage = new ArrayList<>();
        try (SimulatedFleet fleet = SimulatedFleet.create(SimulationConfig.defaults().withNodes(nodes), clock)) {
            // Four in five GPUs run work of one of a few teams, like SyntheticFleet.
            int g = 0;
            for (SimulatedNode n : fleet.nodes()) {
                for (int i = 0; i < n.gpus().size(); i++, g++) {
                    if (g % 5 == 4) continue;
                    fleet.startWork(n.node(), i, new Workload("team-" + (g % 3), "job-" + (g / 2) + "-abcde", "main",
                            0.2 + (g % 7) / 10.0, (2L + g % 6) << 30));
                }
            }
            List<Collector> collectors = new ArrayList<>();
            for (SimulatedNode n : fleet.nodes()) {
                collectors.add(new Collector(n, n, new HealthEvaluator(HealthPolicy.DEFAULT), clock, CollectorSettings.DEFAULT));
            }
            OtlpMetricsEncoder encoder = new OtlpMetricsEncoder();
            int gpus = 0;
            for (int p = 0; p < passes; p++) {
                clock.advanceMillis(intervalMillis);
                for (int n = 0; n < nodes; n++) {
                    NodeSnapshot s = collectors.get(n).collectOnce();
                    int t = p * nodes + n;
                    templates[t] = encoder.encodeBytes(s);
                    templateTimes[t] = s.timestampMillis();
                    timePositions[t] = timePositions(templates[t], s.timestampMillis() * 1_000_000L);
                    usage.add(usageOf(SnapshotSamples.of(s), intervalMillis));
                    gpus = s.gpus().size();
                }
            }
            gpusPerRecord = gpus;
        }
    }

    int gpusPerRecord() {
        return gpusPerRecord;
    }

    int averageBytes() {
        long sum = 0;
        for (byte[] t : templates) sum += t.length;
        return (int) (sum / templates.length);
    }

    /** Offsets of the 8 value bytes of every {@code time_unix_nano} (field 3, fixed64) equal to {@code nanos}. */
    private static int[] timePositions(byte[] b, long nanos) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i + 9 <= b.length; i++) {
            if (b[i] != 0x19) continue;
            long v = 0;
            for (int k = 7; k >= 0; k--) v = (v << 8) | (b[i + 1 + k] & 0xff);
            if (v == nanos) out.add(i + 1);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static Map<String, long[]> usageOf(List<GpuSample> samples, long intervalMillis) {
        Map<String, long[]> m = new HashMap<>();
        for (GpuSample x : samples) {
            for (PodShare p : x.pods()) {
                long alloc = UsageMath.allocatedMillis(x, p, intervalMillis);
                long[] t = m.computeIfAbsent(UsageMath.group(p), k -> new long[4]);
                t[0] += alloc;
                t[1] += UsageMath.usedMillis(x, alloc);
                t[2] += UsageMath.memoryMiBMillis(x, p, intervalMillis);
                t[3]++;
            }
        }
        return m;
    }

    @Override
    public byte[] map(Long boxed) {
        long i = boxed;
        long tick = i / nodes;
        int t = (int) ((tick % passes) * nodes + i % nodes);
        byte[] b = templates[t].clone();
        long nanos = (startMillis + (tick + 1) * intervalMillis) * 1_000_000L;
        for (int pos : timePositions[t]) {
            for (int k = 0; k < 8; k++) b[pos + k] = (byte) (nanos >>> (8 * k));
        }
        return b;
    }

    /** Exact usage per group of records {@code [0, count)}. */
    Map<String, long[]> groundTruth(long count) {
        Map<String, long[]> out = new HashMap<>();
        long[] uses = new long[templates.length];
        for (long i = 0; i < count; i++) uses[(int) (((i / nodes) % passes) * nodes + i % nodes)]++;
        for (int t = 0; t < templates.length; t++) {
            if (uses[t] == 0) continue;
            for (Map.Entry<String, long[]> e : usage.get(t).entrySet()) {
                long[] o = out.computeIfAbsent(e.getKey(), k -> new long[4]);
                for (int k = 0; k < 4; k++) o[k] += e.getValue()[k] * uses[t];
            }
        }
        return out;
    }
}
