package io.gpufleet.scheduler.plugins.fgd;

import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * A pod shape as fragmentation counts it: CPU, GPUs and per-GPU share, allowed models; and how often it was seen.
 *
 * @param cpuMilli CPU in milli-cores
 * @param gpuMilli compute per GPU (1000 = a whole GPU; 0 for CPU-only pods, and for GPU pods that ask GPU memory
 *                 only: they fit any card of an allowed model, so compute never makes them a fragment)
 * @param numGpu   number of GPUs (0 = CPU-only)
 * @param models   allowed GPU models, empty = any
 * @param weight   count (or probability) of the shape
 */
public record TypicalPod(long cpuMilli, int gpuMilli, int numGpu, Set<String> models, double weight) {
    public TypicalPod {
        if (cpuMilli < 0) throw new IllegalArgumentException("typical pod: cpuMilli must be >= 0, was " + cpuMilli);
        if (numGpu < 0) throw new IllegalArgumentException("typical pod: numGpu must be >= 0, was " + numGpu);
        if (gpuMilli < 0 || gpuMilli > 1000) throw new IllegalArgumentException("typical pod: gpuMilli must be 0..1000, was " + gpuMilli);
        if (!(weight >= 0)) throw new IllegalArgumentException("typical pod: weight must be >= 0, was " + weight);
        models = Set.copyOf(new TreeSet<>(Objects.requireNonNullElse(models, Set.of())));
        if (numGpu == 0) gpuMilli = 0;
    }

    /** The same shape with another weight. */
    public TypicalPod withWeight(double w) {
        return new TypicalPod(cpuMilli, gpuMilli, numGpu, models, w);
    }

    /** Key of the shape without the weight (sorted models), for counting. */
    public String shapeKey() {
        return cpuMilli + "/" + gpuMilli + "x" + numGpu + "/" + String.join("|", new TreeSet<>(models));
    }
}
