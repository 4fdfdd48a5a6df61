package io.gpufleet.scheduler.plugins.prioritypreemption;

import io.gpufleet.scheduler.framework.CycleState;
import io.gpufleet.scheduler.framework.Decision;
import io.gpufleet.scheduler.framework.FrameworkHandle;
import io.gpufleet.scheduler.framework.PostFilterPlugin;
import io.gpufleet.scheduler.framework.PostFilterResult;
import io.gpufleet.scheduler.model.Request;
import io.gpufleet.scheduler.preemption.VictimSearch;
import io.gpufleet.scheduler.quota.Resources;
import java.util.Map;

/**
 * Priority preemption inside one quota group, after kube-scheduler's DefaultPreemption: a pod that fits nowhere
 * (or would take its group above max) may evict pods of its own quota group with a strictly lower priority;
 * pods without a quota group evict lower-priority pods without one. Other groups' pods are never touched here:
 * between groups only {@code elasticquota}'s reclaim moves capacity, so a team's priorities cannot take another
 * team's guarantee. Victims are found by {@link VictimSearch}; when the group is at its max they must also free
 * enough of its quota. Gang members do not preempt by priority (their members would be planned one by one).
 */
public final class PriorityPreemption implements PostFilterPlugin {
    public static final String NAME = "prioritypreemption";
    private final FrameworkHandle handle;
    private final VictimSearch search;

    public PriorityPreemption(FrameworkHandle handle) {
        this.handle = handle;
        this.search = new VictimSearch(handle);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public PostFilterResult postFilter(CycleState cycle, Request r, Decision.Rejections rejections) {
        if (r.podGroup() != null) return PostFilterResult.NONE;
        String group = VictimSearch.group(r);
        boolean governed = r.quotaGroup() != null && handle.quotas().contains(r.quotaGroup());
        Resources ask = Resources.estimate(r);
        VictimSearch.Candidate c = search.best(cycle, r, rejections, Map.of(), new VictimSearch.Rules() {
            @Override
            public boolean eligible(Request v) {
                return v.priority() < r.priority() && VictimSearch.group(v).equals(group);
            }

            @Override
            public boolean enough(Map<String, Resources> taken) {
                return !governed || handle.quotas().checkAdmit(r.quotaGroup(), ask, taken.getOrDefault(group, Resources.ZERO)) == null;
            }
        });
        return c == null ? PostFilterResult.NONE : PostFilterResult.nominate(c.node(), c.victims());
    }
}
