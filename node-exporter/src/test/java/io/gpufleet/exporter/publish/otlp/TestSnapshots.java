package io.gpufleet.exporter.publish.otlp;

import io.gpufleet.exporter.attribution.PodRef;
import io.gpufleet.exporter.collect.GpuState;
import io.gpufleet.exporter.collect.NodeSnapshot;
import io.gpufleet.exporter.collect.XidStat;
import io.gpufleet.exporter.health.GpuHealth;
import io.gpufleet.exporter.health.HealthStatus;
import io.gpufleet.exporter.source.GpuField;
import io.gpufleet.exporter.source.GpuIdentity;
import io.gpufleet.exporter.source.GpuReading;
import io.gpufleet.exporter.source.NvLinkReading;
import io.gpufleet.exporter.source.Topology;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Hand-built snapshots for publisher tests. */
public final class TestSnapshots {
    private TestSnapshots() {}

    public static GpuIdentity identity(String node, int index) {
        return new GpuIdentity(node, index, "GPU-" + node + "-" + index, "NVIDIA H100 80GB HBM3",
                String.format("00000000:%02X:00.0", 0x17 + index), "SN" + index, 0, index);
    }

    /** A healthy GPU with a plausible full set of fields whose values depend on {@code index} and {@code t}. */
    public static GpuState gpu(String node, int index, long t) {
        GpuReading.Builder b = new GpuReading.Builder(identity(node, index), t);
        b.set(GpuField.MEMORY_TOTAL_BYTES, 80e9);
        b.set(GpuField.MEMORY_USED_BYTES, 1e9 * (index + 1));
        b.set(GpuField.GPU_UTILIZATION_RATIO, 0.1 * index);
        b.set(GpuField.GPU_TEMPERATURE_CELSIUS, 40 + index);
        b.set(GpuField.MEMORY_TEMPERATURE_CELSIUS, 50 + index);
        b.set(GpuField.POWER_USAGE_WATTS, 300 + index);
        b.set(GpuField.ENERGY_JOULES_TOTAL, 1e6 + t);
        b.set(GpuField.SM_CLOCK_HERTZ, 1.98e9);
        b.set(GpuField.ECC_DOUBLE_BIT_VOLATILE_TOTAL, index);
        b.set(GpuField.PCIE_TX_BYTES_PER_SECOND, 1e6 * index);
        b.fail(GpuField.MEMORY_RESERVED_BYTES, "NOT_SUPPORTED");
        return new GpuState(b.build(), GpuHealth.OK, List.of(), List.of(), 0, 0);
    }

    public static NodeSnapshot snapshot(String node, int gpus, long t, long sequence) {
        List<GpuState> states = new ArrayList<>();
        for (int i = 0; i < gpus; i++) states.add(gpu(node, i, t));
        return new NodeSnapshot(node, t, sequence, states, Topology.empty(), stats(sequence));
    }

    public static NodeSnapshot snapshot(String node, List<GpuState> gpus, long t, long sequence) {
        return new NodeSnapshot(node, t, sequence, gpus, Topology.empty(), stats(sequence));
    }

    static NodeSnapshot.CollectionStats stats(long passes) {
        return new NodeSnapshot.CollectionStats(0.01, passes, Map.of(), "simulated");
    }

    /** A random GPU: random subset of fields, health, XIDs, NVLinks and pods. */
    public static GpuState randomGpu(SplittableRandom rnd, String node, int index, long t) {
        GpuReading.Builder b = new GpuReading.Builder(identity(node, index), t);
        for (GpuField f : GpuField.values()) {
            if (rnd.nextInt(3) > 0) b.set(f, Math.floor(rnd.nextDouble() * 1e6) / 8);
        }
        List<NvLinkReading> links = new ArrayList<>();
        int nLinks = rnd.nextInt(4);
        for (int l = 0; l < nLinks; l++) {
            links.add(new NvLinkReading(l, rnd.nextBoolean(), rnd.nextInt(-1, 5), rnd.nextInt(-1, 5),
                    rnd.nextInt(-1, 5), rnd.nextInt(-1, 5)));
        }
        b.nvLinks(links);
        List<XidStat> xids = new ArrayList<>();
        long xid = 0;
        int nXid = rnd.nextInt(3);
        for (int i = 0; i < nXid; i++) {
            xid += 1 + rnd.nextInt(60);
            xids.add(new XidStat(xid, 1 + rnd.nextInt(9), t - rnd.nextInt(100_000)));
        }
        List<PodRef> pods = new ArrayList<>();
        int nPods = rnd.nextInt(4);
        for (int i = 0; i < nPods; i++) {
            pods.add(new PodRef("ns" + rnd.nextInt(3), "pod-" + index + "-" + i, rnd.nextBoolean() ? "main" : "",
                    rnd.nextBoolean() ? rnd.nextInt(1, 1 << 20) * 1024L : 0, rnd.nextInt(0, 1001),
                    rnd.nextBoolean() ? rnd.nextInt(0, 1 << 20) * 1024L : -1));
        }
        HealthStatus status = HealthStatus.values()[rnd.nextInt(3)];
        GpuHealth health = status == HealthStatus.HEALTHY ? GpuHealth.OK
                : new GpuHealth(status, List.of(status == HealthStatus.FAILED ? "ecc_dbe" : "xid_13_app"));
        return new GpuState(b.build(), health, pods, xids, rnd.nextInt(5), rnd.nextInt(50));
    }
}
