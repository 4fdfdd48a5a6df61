package io.gpufleet.scheduler.plugins.resourcefit;

import io.gpufleet.scheduler.framework.CycleState;
import io.gpufleet.scheduler.framework.Profile;
import io.gpufleet.scheduler.framework.ScorePlugin;
import io.gpufleet.scheduler.model.Gpu;
import io.gpufleet.scheduler.model.Request;
import io.gpufleet.scheduler.state.NodeState;
import java.util.Map;
import java.util.Set;

/**
 * Binpack ({@code binpack}) and spread ({@code spread}) scores, node level and card level, with a weight per
 * resource.
 *
 * <p>With {@code u_r = (used_r + asked_r) / capacity_r} the node's utilisation of resource r after placing the
 * pod (r ∈ cpu, memory, gpu = compute milli, gpuMemory; GPU terms only on nodes with GPUs) and {@code c} the mean
 * utilisation of the picked cards after placing ({@code ((1000 − coreFree + core)/1000 + (mem − memFree +
 * memAsked)/mem) / 2}, only for GPU pods):
 * <pre>
 *   binpack = 100 · (Σ_r w_r · u_r + w_card · c) / (Σ_r w_r + w_card)
 *   spread  = 100 − binpack
 * </pre>
 * Binpack fills nodes and cards that are already in use and keeps whole nodes and whole cards free for large
 * jobs; spread does the opposite to limit interference. Arguments: {@code cpu}, {@code memory}, {@code gpu},
 * {@code gpuMemory}, {@code card} (weights 0..100; defaults 1, 1, 3, 1, 2).
 */
public final class ResourceFitScore implements ScorePlugin {
    public static final String BINPACK = "binpack";
    public static final String SPREAD = "spread";

    private final String name;
    private final boolean spread;
    private final double wCpu, wMem, wGpu, wGpuMem, wCard;

    public ResourceFitScore(String name, Map<String, Object> args) {
        this.name = name;
        this.spread = SPREAD.equals(name);
        Profile.knownKeys(args, name, Set.of("cpu", "memory", "gpu", "gpuMemory", "card"));
        wCpu = Profile.number(args, name, "cpu", 1, 0, 100);
        wMem = Profile.number(args, name, "memory", 1, 0, 100);
        wGpu = Profile.number(args, name, "gpu", 3, 0, 100);
        wGpuMem = Profile.number(args, name, "gpuMemory", 1, 0, 100);
        wCard = Profile.number(args, name, "card", 2, 0, 100);
        if (wCpu + wMem + wGpu + wGpuMem + wCard == 0) throw new IllegalArgumentException("profile: pluginConfig." + name + " has all weights 0");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long score(CycleState cycle, Request r, NodeState n, int cards) {
        double sum = 0, wsum = 0;
        long cpuCap = n.node().cpuMilli();
        if (cpuCap > 0 && wCpu > 0) {
            sum += wCpu * (cpuCap - n.cpuFree() + r.cpuMilli()) / (double) cpuCap;
            wsum += wCpu;
        }
        long memCap = n.node().memoryMiB();
        if (memCap > 0 && wMem > 0) {
            sum += wMem * (memCap - n.memoryFree() + r.memoryMiB()) / (double) memCap;
            wsum += wMem;
        }
        if (n.gpuCount() > 0) {
            long askedMilli = 0, askedMem = 0;
            double card = 0;
            for (int c = cards; c != 0; c &= c - 1) {
                int i = Integer.numberOfTrailingZeros(c);
                long cm = n.cardMemory(i);
                long memOn = r.memoryOnCard(cm);
                askedMilli += r.coreOnCard();
                askedMem += memOn;
                card += ((Gpu.COMPUTE_MILLI - n.coreFree(i) + r.coreOnCard()) / (double) Gpu.COMPUTE_MILLI
                        + (cm - n.memoryFree(i) + memOn) / (double) cm) / 2;
            }
            long gCap = n.gpuMilliCapacity();
            sum += wGpu * (gCap - n.freeGpuMilli() + askedMilli) / (double) gCap;
            long gmCap = n.gpuMemoryCapacity();
            sum += wGpuMem * (gmCap - n.freeGpuMemory() + askedMem) / (double) gmCap;
            wsum += wGpu + wGpuMem;
            if (cards != 0 && wCard > 0) {
                sum += wCard * card / Integer.bitCount(cards);
                wsum += wCard;
            }
        }
        if (wsum == 0) return spread ? 100 : 0;
        long binpack = Math.round(100 * Math.min(1.0, sum / wsum));
        return spread ? 100 - binpack : binpack;
    }
}
