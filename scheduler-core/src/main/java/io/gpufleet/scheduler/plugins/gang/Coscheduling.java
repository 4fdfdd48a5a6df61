package io.gpufleet.scheduler.plugins.gang;

import io.gpufleet.scheduler.framework.CycleState;
import io.gpufleet.scheduler.framework.Decision;
import io.gpufleet.scheduler.framework.FrameworkHandle;
import io.gpufleet.scheduler.framework.Permit;
import io.gpufleet.scheduler.framework.PermitPlugin;
import io.gpufleet.scheduler.framework.PostFilterPlugin;
import io.gpufleet.scheduler.framework.PostFilterResult;
import io.gpufleet.scheduler.framework.PreFilterPlugin;
import io.gpufleet.scheduler.framework.ReservePlugin;
import io.gpufleet.scheduler.framework.Status;
import io.gpufleet.scheduler.framework.WaitingPod;
import io.gpufleet.scheduler.gang.GangRegistry;
import io.gpufleet.scheduler.model.Allocation;
import io.gpufleet.scheduler.model.PodGroup;
import io.gpufleet.scheduler.model.Request;
import java.time.Duration;

/**
 * Gang scheduling after scheduler-plugins' coscheduling. PreFilter: the pod group exists and has at least
 * minMember pods. Reserve: counts the member. Permit: once minMember members hold reservations all waiting ones
 * are let through together, before that each waits up to scheduleTimeoutSeconds. PostFilter (a member does not
 * fit) and Unreserve (a member is released or times out): every waiting member of the gang is rejected, so a gang
 * that cannot complete holds nothing and no two gangs can deadlock on each other's partial reservations.
 */
public final class Coscheduling implements PreFilterPlugin, ReservePlugin, PermitPlugin, PostFilterPlugin {
    public static final String NAME = "gang";
    private final FrameworkHandle handle;

    public Coscheduling(FrameworkHandle handle) {
        this.handle = handle;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Status preFilter(CycleState cycle, Request r) {
        if (r.podGroup() == null) return Status.OK;
        GangRegistry gangs = handle.gangs();
        PodGroup g = gangs.group(r.podGroup());
        if (g == null) return Status.unschedulable(NAME, "podGroup " + r.podGroup() + " is not defined");
        int known = gangs.knownMembers(g.name());
        if (known < g.minMember()) {
            return Status.unschedulable(NAME, "podGroup " + g.name() + " has " + known + " of minMember " + g.minMember() + " pods");
        }
        return Status.OK;
    }

    @Override
    public Status reserve(CycleState cycle, Allocation a) {
        String g = a.request().podGroup();
        if (g != null) handle.gangs().reserved(g, a.pod());
        return Status.OK;
    }

    @Override
    public void unreserve(Allocation a) {
        String g = a.request().podGroup();
        if (g == null) return;
        handle.gangs().unreserved(g, a.pod());
        rejectWaiting(g, "gang member " + a.pod() + " was released");
    }

    @Override
    public Permit permit(CycleState cycle, Allocation a) {
        String g = a.request().podGroup();
        if (g == null) return Permit.ALLOW;
        PodGroup spec = handle.gangs().group(g);
        if (handle.gangs().reservedMembers(g).size() >= spec.minMember()) {
            for (WaitingPod w : handle.waitingPods()) {
                if (g.equals(w.allocation().request().podGroup())) handle.allowWaiting(w.pod());
            }
            return Permit.ALLOW;
        }
        return Permit.waitFor(Duration.ofSeconds(spec.scheduleTimeoutSeconds()));
    }

    @Override
    public PostFilterResult postFilter(CycleState cycle, Request r, Decision.Rejections rejections) {
        if (r.podGroup() == null) return PostFilterResult.NONE;
        rejectWaiting(r.podGroup(), "gang member " + r.name() + " does not fit");
        // Preempting for one member of a gang that cannot complete would evict for nothing.
        return PostFilterResult.STOP;
    }

    private void rejectWaiting(String group, String reason) {
        for (WaitingPod w : handle.waitingPods()) {
            if (group.equals(w.allocation().request().podGroup())) handle.rejectWaiting(w.pod(), reason);
        }
    }
}
