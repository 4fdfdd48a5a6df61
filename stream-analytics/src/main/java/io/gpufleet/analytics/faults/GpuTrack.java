package io.gpufleet.analytics.faults;

/**
 * What the detectors remember about one GPU between samples. A mutable POJO on purpose: it lives in Flink keyed
 * state and is updated for every sample, so it is changed in place instead of copied. A fleet's records do not fit
 * in the CPU's caches, so what every sample reads or adds to is in plain fields of this one object rather than in
 * arrays of its own (each a cache miss more per sample); the arrays are read only when a flag says they matter.
 */
public final class GpuTrack {
    public String uuid = "";
    public int gpu;
    /** Event time of the newest sample, Long.MIN_VALUE before the first. */
    public long lastTime = Long.MIN_VALUE;
    public double eccDoubleBit = Double.NaN;
    /** Previous per-XID counts as code, count pairs. */
    public long[] xidCounts = new long[0];
    public long lastXid;
    /** When a new XID of each class (by XidClass ordinal) or DBE was last seen; 0 = never. */
    public long[] lastEvent = new long[8];
    /** One bit per {@link #lastEvent} slot ever set, so most samples need not read the array. */
    public int eventSlots;
    public long thermalSince = -1;
    public long powerSince = -1;
    public long idleSince = -1;
    public boolean silent;
    /** Active-fault keys of pods now above their memory share. */
    public String[] breaches = FaultRules.NO_BREACHES;
    /** GPU-level fault kinds now active, one bit per GpuFault.Kind ordinal: most samples need no state lookup. */
    public int activeKinds;
    /** This GPU's usage and load of its current minute / signal window, not yet folded into the node's maps. */
    public long usageAllocated;
    public long usageUsed;
    public long usageMemory;
    public long usageSamples;
    public double loadSamples;
    public double loadAllocated;
    public double loadUtilization;
    public double loadMemory;
    public double loadAvailable;
    public double loadThroughput;
    public double loadThroughputSamples;
    public long usageMinute = Long.MIN_VALUE;
    public long signalWindow = Long.MIN_VALUE;
    /** The pod those belong to, with its namespace and workload name, so a sample builds no strings. */
    public String usagePod = "";
    public String podNamespace = "";
    public String podWorkload = "";

    public GpuTrack() {}
}
