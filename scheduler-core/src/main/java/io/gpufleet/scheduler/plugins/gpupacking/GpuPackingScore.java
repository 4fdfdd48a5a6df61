package io.gpufleet.scheduler.plugins.gpupacking;

import io.gpufleet.scheduler.framework.CycleState;
import io.gpufleet.scheduler.framework.ScorePlugin;
import io.gpufleet.scheduler.model.Gpu;
import io.gpufleet.scheduler.model.Request;
import io.gpufleet.scheduler.state.NodeState;

/**
 * The GpuPacking baseline of the FGD paper, in three bands: a sharing pod landing on a card already partly used
 * (band 3), then nodes already running GPU work (band 2), idle nodes last (band 1); within a band the node whose
 * GPUs end up most used wins. {@code score = band · 1000 + round(999 · used-after / capacity)}; the card of a
 * sharing pod is the card allocator's tightest fit. No arguments.
 */
public final class GpuPackingScore implements ScorePlugin {
    public static final String NAME = "gpupacking";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public long score(CycleState cycle, Request r, NodeState n, int cards) {
        long cap = n.gpuMilliCapacity();
        if (cap == 0) return 0;
        long usedBefore = cap - n.freeGpuMilli();
        int band;
        if (r.sharing() && cards != 0 && n.coreFree(Integer.numberOfTrailingZeros(cards)) < Gpu.COMPUTE_MILLI) band = 3;
        else if (usedBefore > 0) band = 2;
        else band = 1;
        long after = usedBefore + (long) r.gpuCount() * r.coreOnCard();
        return band * 1000L + Math.round(999.0 * after / cap);
    }
}
