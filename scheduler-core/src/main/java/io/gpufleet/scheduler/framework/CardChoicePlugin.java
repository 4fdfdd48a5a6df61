package io.gpufleet.scheduler.framework;

import io.gpufleet.scheduler.model.Request;
import io.gpufleet.scheduler.state.NodeState;

/**
 * Optional companion of a {@link ScorePlugin}: a score plugin whose policy also decides which GPUs of a node the pod
 * takes (fragmentation-aware and random placement choose the card, not only the node) implements this too. The
 * first score plugin of the profile that implements it overrides the card allocator's pick on every feasible node;
 * the score it then gets is for the cards it chose.
 */
public interface CardChoicePlugin extends ScorePlugin {
    /**
     * @param eligible cards that can each hold one per-card share of the pod (bit mask, healthy, allowed model)
     * @param proposed the card allocator's pick (a subset of {@code eligible} with {@code request.gpuCount()} bits)
     * @return the cards to take: a subset of {@code eligible} with exactly {@code request.gpuCount()} bits
     */
    int chooseCards(CycleState cycle, Request request, NodeState node, int eligible, int proposed);
}
