package io.gpufleet.analytics.faults;

import io.gpufleet.contracts.GpuFault;

/** The faults now active, by a key of GPU, kind and pod: kept in Flink state by the job, in a map by tests. */
public interface ActiveFaults {
    GpuFault get(String key);

    void put(String key, GpuFault fault);

    void remove(String key);

    /** The key of a fault of {@code kind} on GPU {@code uuid}, for {@code pod} (empty when not per pod). */
    static String key(String uuid, GpuFault.Kind kind, String pod) {
        return pod.isEmpty() ? uuid + '|' + kind.name() : uuid + '|' + kind.name() + '|' + pod;
    }
}
