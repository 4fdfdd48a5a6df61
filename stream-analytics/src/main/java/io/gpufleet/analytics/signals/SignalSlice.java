package io.gpufleet.analytics.signals;

import io.gpufleet.analytics.typeinfo.SignalSliceSerializer;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * One node's part of a workload's load in one signal window: sums over the workload's GPU samples on that node.
 *
 * @param namespace       namespace
 * @param workload        workload name
 * @param windowEnd       window end, epoch millis
 * @param samples         GPU samples (one per GPU and sample interval)
 * @param gpuMillis       allocated GPU-milliseconds (to turn into average GPUs held)
 * @param utilizationSum  sum of the samples' utilization
 * @param memoryUsedSum   memory held, byte-milliseconds (bytes times the sample interval, summed)
 * @param memoryAvailSum  memory available to the workload (its share, else the GPU's total), byte-milliseconds
 * @param throughputSum   sum of reported throughput
 * @param throughputCount samples that reported throughput
 */
@TypeInfo(SignalSliceSerializer.Factory.class)
public record SignalSlice(String namespace, String workload, long windowEnd, long samples, long gpuMillis,
                          double utilizationSum, double memoryUsedSum, double memoryAvailSum, double throughputSum,
                          long throughputCount) {

    public String key() {
        return namespace + '/' + workload;
    }
}
