package io.gpufleet.scheduler.framework;

import io.gpufleet.scheduler.model.Request;
import io.gpufleet.scheduler.state.NodeState;

/**
 * Ranks feasible nodes. Scores end in 0..100 (after {@link #normalize}); the framework multiplies them by the
 * profile weight and adds the plugins up.
 */
public interface ScorePlugin extends Plugin {
    /**
     * @param cards the GPUs the card allocator picked on this node for the pod (bit mask; 0 for CPU-only pods)
     */
    long score(CycleState cycle, Request request, NodeState node, int cards);

    /** Rescales {@code scores[0..count)} into 0..100. Default: scores already are. */
    default void normalize(long[] scores, int count) {}
}
