package io.gpufleet.analytics.faults;

import java.io.Serializable;

/**
 * Thresholds of the fault detectors. All durations are event time.
 *
 * @param thermalSustainMillis how long thermal slowdown must last before it is a fault
 * @param powerSustainMillis   how long power-brake / hardware slowdown must last before it is a fault
 * @param silenceMillis        how long without samples before a GPU (or its whole node) counts as gone
 * @param quietMillis          how long without a new XID / ECC error before such a fault counts as cleared
 * @param idleUtilization      utilization below which an allocated GPU counts as idle, 0..1
 * @param idleMillis           how long an allocated GPU must stay idle before it is a fault
 * @param memoryTolerance      fraction above its memory share a pod may hold before it is a breach
 */
public record DetectorSettings(long thermalSustainMillis, long powerSustainMillis, long silenceMillis,
                               long quietMillis, double idleUtilization, long idleMillis, double memoryTolerance)
        implements Serializable {

    /** 30 s of slowdown, 15 s of silence, 10 min quiet, 30 min below 5 % utilization, 2 % memory tolerance. */
    public static final DetectorSettings DEFAULT =
            new DetectorSettings(30_000, 30_000, 15_000, 600_000, 0.05, 1_800_000, 0.02);

    public DetectorSettings {
        positive("thermalSustainMillis", thermalSustainMillis);
        positive("powerSustainMillis", powerSustainMillis);
        positive("silenceMillis", silenceMillis);
        positive("quietMillis", quietMillis);
        positive("idleMillis", idleMillis);
        if (!(idleUtilization >= 0 && idleUtilization < 1)) {
            throw new IllegalArgumentException("idleUtilization must be within [0, 1), was " + idleUtilization);
        }
        if (!(memoryTolerance >= 0 && memoryTolerance <= 1)) {
            throw new IllegalArgumentException("memoryTolerance must be within 0..1, was " + memoryTolerance);
        }
    }

    private static void positive(String name, long v) {
        if (v <= 0) throw new IllegalArgumentException(name + " must be > 0, was " + v);
    }
}
