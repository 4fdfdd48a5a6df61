package io.gpufleet.scheduler.plugins.prioritysort;

import io.gpufleet.scheduler.framework.QueueSortPlugin;
import io.gpufleet.scheduler.framework.QueuedUnit;

/** Queue order without quotas: higher priority first, then arrival order. */
public final class PrioritySort implements QueueSortPlugin {
    public static final String NAME = "prioritysort";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int compare(QueuedUnit a, QueuedUnit b) {
        int c = Integer.compare(b.priority(), a.priority());
        return c != 0 ? c : Long.compare(a.seq(), b.seq());
    }
}
