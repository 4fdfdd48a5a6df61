package io.gpufleet.scheduler.quota;

import io.gpufleet.scheduler.model.Allocation;
import io.gpufleet.scheduler.model.Gpu;
import io.gpufleet.scheduler.model.Request;

/**
 * The quota dimensions: GPU compute in milli-GPU (a whole GPU is 1000, so sharing pods count their fraction),
 * GPU memory in MiB and CPU in milli-cores.
 */
public record Resources(long gpuMilli, long gpuMemoryMiB, long cpuMilli) {
    public static final Resources ZERO = new Resources(0, 0, 0);
    /** No cap. */
    public static final Resources UNLIMITED = new Resources(Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE);

    public Resources {
        if (gpuMilli < 0) throw new IllegalArgumentException("gpuMilli must be >= 0, was " + gpuMilli);
        if (gpuMemoryMiB < 0) throw new IllegalArgumentException("gpuMemoryMiB must be >= 0, was " + gpuMemoryMiB);
        if (cpuMilli < 0) throw new IllegalArgumentException("cpuMilli must be >= 0, was " + cpuMilli);
    }

    /** Whole GPUs as milli. */
    public static Resources ofGpus(long gpus, long gpuMemoryMiB, long cpuMilli) {
        return new Resources(gpus * Gpu.COMPUTE_MILLI, gpuMemoryMiB, cpuMilli);
    }

    /** What an allocation holds. */
    public static Resources of(Allocation a) {
        return new Resources(a.gpuMilli(), a.gpuMemoryMiB(), a.request().cpuMilli());
    }

    /**
     * A lower bound of what a request will hold before its cards are known: whole-card and percent memory asks
     * depend on the card, so they count 0 here and exactly at reserve time.
     */
    public static Resources estimate(Request r) {
        long mem = r.wholeGpus() || r.gpuMemoryPercent() > 0 ? 0 : r.gpuMemoryMiB() * r.gpuCount();
        return new Resources((long) r.gpuCount() * r.coreOnCard(), mem, r.cpuMilli());
    }

    public Resources plus(Resources o) {
        return new Resources(sat(gpuMilli + o.gpuMilli), sat(gpuMemoryMiB + o.gpuMemoryMiB), sat(cpuMilli + o.cpuMilli));
    }

    public Resources minus(Resources o) {
        return new Resources(gpuMilli - o.gpuMilli, gpuMemoryMiB - o.gpuMemoryMiB, cpuMilli - o.cpuMilli);
    }

    private static long sat(long v) {
        return v < 0 ? Long.MAX_VALUE : v;
    }

    /** Every dimension at most the other's. */
    public boolean fitsIn(Resources o) {
        return gpuMilli <= o.gpuMilli && gpuMemoryMiB <= o.gpuMemoryMiB && cpuMilli <= o.cpuMilli;
    }

    /** First dimension above {@code o}'s, or {@code null}. */
    public String exceeding(Resources o) {
        if (gpuMilli > o.gpuMilli) return "gpuMilli";
        if (gpuMemoryMiB > o.gpuMemoryMiB) return "gpuMemoryMiB";
        if (cpuMilli > o.cpuMilli) return "cpuMilli";
        return null;
    }

    public boolean isZero() {
        return gpuMilli == 0 && gpuMemoryMiB == 0 && cpuMilli == 0;
    }
}
