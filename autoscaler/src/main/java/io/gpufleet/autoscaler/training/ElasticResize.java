package io.gpufleet.autoscaler.training;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The worker count of one elastic training job at one controller pass, pure. The job's gang resizes as a whole:
 * a count is chosen only when free GPUs hold every added worker at once. Forced changes (above the maximum,
 * below the minimum, a spot preemption that cannot be replaced, GPUs reclaimed for higher-priority work) happen
 * at once; growth on free GPUs is batched, at most one resize per job per {@code window}, so a job is not
 * restarted for every GPU that frees up.
 */
public final class ElasticResize {
    private ElasticResize() {}

    /**
     * @param workers          Worker replicas now
     * @param min              lowest count: elastic minimum raised by the policy's (windowed) minimum
     * @param max              highest count: elastic maximum lowered by the policy's (windowed) maximum
     * @param preempted        workers on nodes under a preemption notice
     * @param placeable        new workers free GPUs hold (whole, all at once), not counting preempted nodes
     * @param gpusWanted       GPUs higher-priority work of this pass wanted and could not get
     * @param gpusPerWorker    GPUs per worker
     * @param lastResize       when the job was last resized, if ever (by this controller)
     * @param now              the pass's instant
     * @param window           batching window for growth
     */
    public record Input(int workers, int min, int max, int preempted, int placeable, int gpusWanted, int gpusPerWorker,
                        Optional<Instant> lastResize, Instant now, Duration window) {}

    /**
     * @param workers       the count to set (equal to {@link Input#workers()} when nothing changes)
     * @param replacements  preempted workers whose replacements fit elsewhere (the operator recreates them)
     * @param reason        AboveMax, BelowMin, SpotPreemption, Reclaim, FreeGpus, Batched, NoChange
     * @param forced        not subject to the batching window
     */
    public record Decision(int workers, int replacements, String reason, boolean forced) {
        public boolean resize(int current) {
            return workers != current;
        }
    }

    public static Decision decide(Input in) {
        int w = in.workers();
        int hi = Math.max(in.min(), in.max());
        int lo = in.min();
        if (w > hi) return new Decision(hi, 0, "AboveMax", true);
        int replacements = Math.min(in.preempted(), in.placeable());
        int free = in.placeable() - replacements;
        int lost = in.preempted() - replacements;
        if (lost > 0 && w > lo) return new Decision(Math.max(lo, w - lost), replacements, "SpotPreemption", true);
        if (w < lo) {
            int to = Math.min(lo, w + free);
            return to > w ? new Decision(to, replacements, "BelowMin", true) : new Decision(w, replacements, "NoChange", false);
        }
        if (in.gpusWanted() > 0 && w > lo && in.gpusPerWorker() > 0) {
            int shrink = (in.gpusWanted() + in.gpusPerWorker() - 1) / in.gpusPerWorker();
            return new Decision(Math.max(lo, w - shrink), replacements, "Reclaim", true);
        }
        int grow = Math.min(hi - w, free);
        if (grow <= 0 || in.gpusWanted() > 0) return new Decision(w, replacements, "NoChange", false);
        boolean batched = in.lastResize().isPresent()
                && Duration.between(in.lastResize().get(), in.now()).compareTo(in.window()) < 0;
        return batched ? new Decision(w, replacements, "Batched", false) : new Decision(w + grow, replacements, "FreeGpus", false);
    }
}
