package io.gpufleet.scheduler.framework;

import io.gpufleet.scheduler.model.Request;

/** Runs when no node fits: may nominate a node and victims to evict (preemption), or clean up (gangs). */
public interface PostFilterPlugin extends Plugin {
    PostFilterResult postFilter(CycleState cycle, Request request, Decision.Rejections rejections);
}
