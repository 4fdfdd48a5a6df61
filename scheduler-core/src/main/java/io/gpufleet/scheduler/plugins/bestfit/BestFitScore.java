package io.gpufleet.scheduler.plugins.bestfit;

import io.gpufleet.scheduler.framework.CycleState;
import io.gpufleet.scheduler.framework.Profile;
import io.gpufleet.scheduler.framework.ScorePlugin;
import io.gpufleet.scheduler.model.Request;
import io.gpufleet.scheduler.state.NodeState;
import java.util.Map;
import java.util.Set;

/**
 * The BestFit baseline of the FGD paper: least leftover wins,
 * {@code score = 1 − Σ_r w_r · (free_r − req_r) / maxSpec_r} over r ∈ {CPU, GPU milli} (node totals), w = 0.5
 * each, maxSpec 128 000 CPU milli and 8 000 GPU milli. Returned as {@code floor(score · resolution)}: resolution
 * 100 (default) gives kube-scheduler's integer 0..100 scores, whose ties go to the first node visited.
 * Arguments: {@code cpuWeight}, {@code gpuWeight}, {@code maxCpuMilli}, {@code maxGpuMilli}, {@code resolution}.
 */
public final class BestFitScore implements ScorePlugin {
    public static final String NAME = "bestfit";
    private final double wCpu, wGpu, maxCpu, maxGpu, resolution;

    public BestFitScore(Map<String, Object> args) {
        Profile.knownKeys(args, NAME, Set.of("cpuWeight", "gpuWeight", "maxCpuMilli", "maxGpuMilli", "resolution"));
        wCpu = Profile.number(args, NAME, "cpuWeight", 0.5, 0, 1);
        wGpu = Profile.number(args, NAME, "gpuWeight", 0.5, 0, 1);
        maxCpu = Profile.number(args, NAME, "maxCpuMilli", 128_000, 1, 1e9);
        maxGpu = Profile.number(args, NAME, "maxGpuMilli", 8_000, 1, 1e9);
        resolution = Profile.number(args, NAME, "resolution", 100, 1, 1e12);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public long score(CycleState cycle, Request r, NodeState n, int cards) {
        double left = wCpu * (n.cpuFree() - r.cpuMilli()) / maxCpu
                + wGpu * (n.freeGpuMilli() - (long) r.gpuCount() * r.coreOnCard()) / maxGpu;
        return (long) Math.floor((1 - left) * resolution);
    }
}
