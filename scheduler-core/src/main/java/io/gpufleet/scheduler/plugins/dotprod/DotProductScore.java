package io.gpufleet.scheduler.plugins.dotprod;

import io.gpufleet.scheduler.framework.CycleState;
import io.gpufleet.scheduler.framework.Profile;
import io.gpufleet.scheduler.framework.ScorePlugin;
import io.gpufleet.scheduler.model.Request;
import io.gpufleet.scheduler.state.NodeState;
import java.util.Map;
import java.util.Set;

/**
 * The DotProd baseline of the FGD paper (after Tetris): with the node's free vector and the pod's request over
 * (CPU milli, GPU milli), each divided by its max spec (128 000, 8 000), the node with the smallest dot product
 * wins: {@code score = floor((1 − dot / 2) · resolution)}. The card of a sharing pod is the card allocator's
 * tightest fit. Arguments: {@code maxCpuMilli}, {@code maxGpuMilli}, {@code resolution} (default 1e6).
 */
public final class DotProductScore implements ScorePlugin {
    public static final String NAME = "dotprod";
    private final double maxCpu, maxGpu, resolution;

    public DotProductScore(Map<String, Object> args) {
        Profile.knownKeys(args, NAME, Set.of("maxCpuMilli", "maxGpuMilli", "resolution"));
        maxCpu = Profile.number(args, NAME, "maxCpuMilli", 128_000, 1, 1e9);
        maxGpu = Profile.number(args, NAME, "maxGpuMilli", 8_000, 1, 1e9);
        resolution = Profile.number(args, NAME, "resolution", 1e6, 1, 1e12);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public long score(CycleState cycle, Request r, NodeState n, int cards) {
        double dot = (n.cpuFree() / maxCpu) * (r.cpuMilli() / maxCpu)
                + (n.freeGpuMilli() / maxGpu) * ((long) r.gpuCount() * r.coreOnCard() / maxGpu);
        return (long) Math.floor((1 - dot / 2) * resolution);
    }
}
