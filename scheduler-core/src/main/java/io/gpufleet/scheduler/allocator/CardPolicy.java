package io.gpufleet.scheduler.allocator;

/** How the card-level allocator picks among the cards of one node that fit a sharing pod. */
public enum CardPolicy {
    /** Tightest card first: the one left with the least free compute and memory, keeping whole cards free. */
    BINPACK,
    /** Emptiest card first: the one left with the most free compute and memory, spreading interference. */
    SPREAD
}
