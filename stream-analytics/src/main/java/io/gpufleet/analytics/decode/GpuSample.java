package io.gpufleet.analytics.decode;

import io.gpufleet.analytics.typeinfo.GpuSampleSerializer;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * One GPU's metric set at one instant, in base units, decoded from OTLP (either shape) or built from a
 * simulated fleet's snapshot. Absent gauges are NaN, absent bitmasks and flags -1.
 *
 * <p>Immutable (the arrays are never modified after construction); Flink serialises it with
 * {@link GpuSampleSerializer}, written field by field, when it crosses the network.
 *
 * @param node                 node (host) name
 * @param gpu                  GPU index on the node
 * @param uuid                 GPU UUID
 * @param model                GPU model, may be empty
 * @param timeMillis           event time, epoch millis
 * @param utilization          kernel-busy ratio 0..1
 * @param memoryUsedBytes      framebuffer memory in use
 * @param memoryTotalBytes     framebuffer memory in total
 * @param temperatureCelsius   die temperature
 * @param powerWatts           power draw
 * @param powerLimitWatts      enforced power limit
 * @param clockEventReasons    NVML clock-event (throttle) reasons bitmask, -1 when absent
 * @param eccDoubleBit         uncorrectable ECC error counter (volatile, else aggregate)
 * @param eccSingleBit         correctable ECC error counter (volatile, else aggregate)
 * @param remappedRowsUncorrectable rows remapped for uncorrectable errors
 * @param rowRemapFailure      1 when a row remap failed, 0 when not, -1 when absent
 * @param health               exporter's health verdict 0 healthy, 1 degraded, 2 failed, -1 absent
 * @param lastXid              the last XID code (dcgm-exporter's DCGM_FI_DEV_XID_ERRORS), 0 when none or absent
 * @param xidCounts            per XID code its count since the exporter started, as code, count pairs
 * @param pods                 pods on the GPU (one for an exclusive GPU, several on a shared one), may be empty
 * @param throughput           throughput the workload reports (items/s), NaN when absent
 */
@TypeInfo(GpuSampleSerializer.Factory.class)
public record GpuSample(String node, int gpu, String uuid, String model, long timeMillis, double utilization,
                        double memoryUsedBytes, double memoryTotalBytes, double temperatureCelsius,
                        double powerWatts, double powerLimitWatts, long clockEventReasons, double eccDoubleBit,
                        double eccSingleBit, double remappedRowsUncorrectable, int rowRemapFailure, int health,
                        long lastXid, long[] xidCounts, PodShare[] pods, double throughput) {

    private static final long[] NO_XIDS = new long[0];
    private static final PodShare[] NO_PODS = new PodShare[0];

    public GpuSample {
        node = node == null ? "" : node;
        uuid = uuid == null ? "" : uuid;
        model = model == null ? "" : model;
        xidCounts = xidCounts == null ? NO_XIDS : xidCounts;
        pods = pods == null ? NO_PODS : pods;
    }

    /** The key that names this GPU across the fleet. */
    public String gpuKey() {
        return node + "/" + gpu;
    }

    /** Count of one XID code, 0 when never seen. */
    public long xidCount(long code) {
        for (int i = 0; i + 1 < xidCounts.length; i += 2) if (xidCounts[i] == code) return xidCounts[i + 1];
        return 0;
    }

    /** Whether a bit of the clock-event reasons is set (false when the mask is absent). */
    public boolean clockEvent(long bit) {
        return clockEventReasons >= 0 && (clockEventReasons & bit) != 0;
    }

    /** The first pod, or null on a GPU nobody uses. */
    public PodShare primaryPod() {
        return pods.length == 0 ? null : pods[0];
    }

    /** Value equality, arrays included (a record compares arrays by reference). */
    @Override
    public boolean equals(Object o) {
        return o instanceof GpuSample s && gpu == s.gpu && timeMillis == s.timeMillis
                && node.equals(s.node) && uuid.equals(s.uuid) && model.equals(s.model)
                && Double.compare(utilization, s.utilization) == 0
                && Double.compare(memoryUsedBytes, s.memoryUsedBytes) == 0
                && Double.compare(memoryTotalBytes, s.memoryTotalBytes) == 0
                && Double.compare(temperatureCelsius, s.temperatureCelsius) == 0
                && Double.compare(powerWatts, s.powerWatts) == 0
                && Double.compare(powerLimitWatts, s.powerLimitWatts) == 0
                && clockEventReasons == s.clockEventReasons
                && Double.compare(eccDoubleBit, s.eccDoubleBit) == 0
                && Double.compare(eccSingleBit, s.eccSingleBit) == 0
                && Double.compare(remappedRowsUncorrectable, s.remappedRowsUncorrectable) == 0
                && rowRemapFailure == s.rowRemapFailure && health == s.health && lastXid == s.lastXid
                && java.util.Arrays.equals(xidCounts, s.xidCounts) && java.util.Arrays.equals(pods, s.pods)
                && Double.compare(throughput, s.throughput) == 0;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(node, gpu, uuid, timeMillis, utilization, memoryUsedBytes);
    }

    @Override
    public String toString() {
        return "GpuSample[" + node + "/" + gpu + " " + uuid + " " + model + " t=" + timeMillis + " util="
                + utilization + " mem=" + memoryUsedBytes + "/" + memoryTotalBytes + " temp=" + temperatureCelsius
                + " power=" + powerWatts + "/" + powerLimitWatts + " clock=" + clockEventReasons + " dbe="
                + eccDoubleBit + " sbe=" + eccSingleBit + " remapUnc=" + remappedRowsUncorrectable + " remapFail="
                + rowRemapFailure + " health=" + health + " lastXid=" + lastXid + " xids="
                + java.util.Arrays.toString(xidCounts) + " pods=" + java.util.Arrays.toString(pods)
                + " throughput=" + throughput + "]";
    }
}
