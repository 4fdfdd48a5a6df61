package io.gpufleet.analytics.faults;

/**
 * What the node operator keeps per node: its GPUs (at their index where possible) and the timers it registered.
 * A mutable POJO in Flink keyed state, changed in place like {@link GpuTrack}. The timers are the node's, not each
 * GPU's: a node's GPUs report at the same instants and would register the same timers eight times over.
 */
public final class NodeTrack {
    public GpuTrack[] gpus = new GpuTrack[0];
    /** Latest minute end, signal-window end and silence check registered as event-time timers. */
    public long minuteTimer = Long.MIN_VALUE;
    public long windowTimer = Long.MIN_VALUE;
    public long silenceTimer = Long.MIN_VALUE;

    public NodeTrack() {}
}
