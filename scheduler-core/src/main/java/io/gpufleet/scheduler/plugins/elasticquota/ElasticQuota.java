package io.gpufleet.scheduler.plugins.elasticquota;

import io.gpufleet.scheduler.allocator.CardAllocator;
import io.gpufleet.scheduler.framework.CycleState;
import io.gpufleet.scheduler.framework.Decision;
import io.gpufleet.scheduler.framework.FrameworkHandle;
import io.gpufleet.scheduler.framework.PostFilterPlugin;
import io.gpufleet.scheduler.framework.PostFilterResult;
import io.gpufleet.scheduler.framework.PreFilterPlugin;
import io.gpufleet.scheduler.framework.QueueSortPlugin;
import io.gpufleet.scheduler.framework.QueuedUnit;
import io.gpufleet.scheduler.framework.ReservePlugin;
import io.gpufleet.scheduler.framework.Status;
import io.gpufleet.scheduler.gang.GangRegistry;
import io.gpufleet.scheduler.model.Allocation;
import io.gpufleet.scheduler.model.PodGroup;
import io.gpufleet.scheduler.model.Request;
import io.gpufleet.scheduler.preemption.VictimSearch;
import io.gpufleet.scheduler.quota.QuotaTree;
import io.gpufleet.scheduler.quota.Resources;
import io.gpufleet.scheduler.state.ClusterState;
import io.gpufleet.scheduler.state.NodeState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Elastic quota over the {@link QuotaTree}.
 * <ul>
 *   <li>QueueSort: dominant resource fairness: the queue whose group has the smallest dominant share of the
 *       cluster goes first; then priority, then arrival.</li>
 *   <li>PreFilter: the group (and its ancestors) stays within max with the pod (borrowing above min is allowed).</li>
 *   <li>Reserve/Unreserve: charges the exact shares held (memory of whole cards counted at reserve), re-checking
 *       max; unreserve gives back only what was charged.</li>
 *   <li>PostFilter (reclaim): a pod whose group is still within its min after the pod may evict pods of groups
 *       using more than their min. Victims: only from groups that stay at or above their min after eviction,
 *       lowest priority first (larger first among equals), a gang member brings its whole gang; after a node
 *       fits, victims are given back in reverse order when the pod still fits without them. Among candidate
 *       nodes (at most {@code maxPreemptionNodes}, those rejected for reasons eviction could change) the one whose
 *       highest-priority victim is lowest wins, then the fewest victims. A gang member reclaims for its gang: the
 *       members still missing up to minMember must all fit in the group's min, and room is planned for every one
 *       of them before anything is evicted; if one cannot be placed, nothing is (list this plugin before
 *       {@code gang} in postFilter, so the gang releases its waiting members only when reclaim fails).</li>
 * </ul>
 * Pods without a quota group are not limited and never reclaim. Nothing is charged when the tree is empty.
 */
public final class ElasticQuota implements QueueSortPlugin, PreFilterPlugin, ReservePlugin, PostFilterPlugin {
    public static final String NAME = "elasticquota";
    private final FrameworkHandle handle;
    private final VictimSearch search;
    private final Set<String> charged = new HashSet<>();
    /** Per group, what its own pods hold by priority (for the PreFilter's priority-preemption check). */
    private final Map<String, TreeMap<Integer, Resources>> byPriority = new HashMap<>();

    public ElasticQuota(FrameworkHandle handle) {
        this.handle = handle;
        this.search = new VictimSearch(handle);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int compare(QueuedUnit a, QueuedUnit b) {
        if (!a.quotaGroup().equals(b.quotaGroup())) {
            Resources cap = handle.clusterCapacity();
            int c = Double.compare(handle.quotas().dominantShare(a.quotaGroup(), cap), handle.quotas().dominantShare(b.quotaGroup(), cap));
            if (c != 0) return c;
        }
        int c = Integer.compare(b.priority(), a.priority());
        return c != 0 ? c : Long.compare(a.seq(), b.seq());
    }

    private boolean governed(Request r) {
        return r.quotaGroup() != null && !handle.quotas().isEmpty();
    }

    @Override
    public Status preFilter(CycleState cycle, Request r) {
        if (!governed(r)) return Status.OK;
        Resources ask = Resources.estimate(r);
        String why = handle.quotas().checkAdmit(r.quotaGroup(), ask);
        if (why == null) return Status.OK;
        // Over max, but the group's own lower-priority pods hold enough to make room: priority preemption may.
        Resources lower = lowerPriorityUse(r.quotaGroup(), r.priority());
        if (!lower.equals(Resources.ZERO) && handle.quotas().checkAdmit(r.quotaGroup(), ask, lower) == null) {
            return Status.noRoom(NAME, why);
        }
        return Status.unschedulable(NAME, why);
    }

    /** What the pods of exactly {@code group} with a priority below {@code priority} hold. */
    private Resources lowerPriorityUse(String group, int priority) {
        TreeMap<Integer, Resources> m = byPriority.get(group);
        if (m == null) return Resources.ZERO;
        Resources sum = Resources.ZERO;
        for (Resources x : m.headMap(priority, false).values()) sum = sum.plus(x);
        return sum;
    }

    @Override
    public Status reserve(CycleState cycle, Allocation a) {
        Request r = a.request();
        if (!governed(r)) return Status.OK;
        Resources exact = Resources.of(a);
        String why = handle.quotas().checkAdmit(r.quotaGroup(), exact);
        if (why != null) return Status.unschedulable(NAME, why);
        handle.quotas().add(r.quotaGroup(), exact);
        byPriority.computeIfAbsent(r.quotaGroup(), k -> new TreeMap<>()).merge(r.priority(), exact, Resources::plus);
        charged.add(a.pod());
        return Status.OK;
    }

    @Override
    public void unreserve(Allocation a) {
        if (!charged.remove(a.pod())) return;
        Request r = a.request();
        Resources exact = Resources.of(a);
        handle.quotas().remove(r.quotaGroup(), exact);
        // Entries that reach zero are dropped, so a pod that holds nothing may find none.
        TreeMap<Integer, Resources> m = byPriority.get(r.quotaGroup());
        Resources held = m == null ? null : m.get(r.priority());
        if (held == null) return;
        Resources left = held.minus(exact);
        if (left.equals(Resources.ZERO)) m.remove(r.priority());
        else m.put(r.priority(), left);
    }

    @Override
    public PostFilterResult postFilter(CycleState cycle, Request r, Decision.Rejections rejections) {
        if (!governed(r)) return PostFilterResult.NONE;
        List<Request> plan = toPlace(r);
        if (plan == null) return PostFilterResult.NONE;
        QuotaTree quotas = handle.quotas();
        Resources ask = Resources.ZERO;
        for (Request m : plan) ask = ask.plus(Resources.estimate(m));
        // The whole gang (what it still needs to reach minMember) must fit in the group's guarantee.
        if (!quotas.withinMin(r.quotaGroup(), ask)) return PostFilterResult.NONE;
        // Someone must be above min, or there is nothing to reclaim.
        boolean anyAbove = false;
        for (String g : quotas.names()) {
            if (!g.equals(r.quotaGroup()) && !quotas.used(g).fitsIn(quotas.spec(g).min())) {
                anyAbove = true;
                break;
            }
        }
        if (!anyAbove) return PostFilterResult.NONE;
        return reclaim(cycle, plan, rejections);
    }

    /**
     * The pods reclaim must make room for: {@code r} alone, or for a gang member {@code r} followed by the other
     * members the gang still needs to reach minMember (evicting for one member of a gang that cannot complete
     * would evict for nothing). {@code null} when those members are not all known or charge another group.
     */
    private List<Request> toPlace(Request r) {
        if (r.podGroup() == null) return List.of(r);
        GangRegistry gangs = handle.gangs();
        PodGroup g = gangs.group(r.podGroup());
        if (g == null) return null;
        int need = Math.max(1, g.minMember() - gangs.reservedMembers(g.name()).size());
        List<Request> out = new ArrayList<>(need);
        out.add(r);
        for (Request m : gangs.unreservedMembers(g.name())) {
            if (out.size() >= need) break;
            if (m.name().equals(r.name()) || handle.state().placement(m.name()) != null) continue;
            if (!r.quotaGroup().equals(m.quotaGroup())) return null;
            out.add(m);
        }
        return out.size() >= need ? out : null;
    }

    /**
     * Plans room for every pod of {@code plan} in turn on a scratch copy of the state (evicting and assuming for
     * real, restoring after): a pod goes to a node where it already fits if there is one, else to the best node
     * with victims. Victims accumulate across the plan, so together they never take a group below its min. The
     * first pod's node is nominated and every victim of the plan is evicted now, so the gang's other members find
     * their room in their own cycles.
     */
    private PostFilterResult reclaim(CycleState cycle, List<Request> plan, Decision.Rejections rejections) {
        ClusterState state = handle.state();
        Map<String, Resources> taken = new HashMap<>();
        List<ClusterState.Placement> evicted = new ArrayList<>();
        List<Allocation> assumed = new ArrayList<>();
        String nominated = null;
        boolean planned = true;
        try {
            for (int k = 0; k < plan.size() && planned; k++) {
                Request m = plan.get(k);
                CycleState mc = k == 0 ? cycle : handle.planningCycle(m);
                if (mc == null) {
                    planned = false;
                    break;
                }
                NodeState node = k == 0 ? null : firstFit(mc, m);
                if (node == null) {
                    VictimSearch.Candidate c = search.best(mc, m, k == 0 ? rejections : null, taken, reclaimRules(m));
                    if (c == null) {
                        planned = false;
                        break;
                    }
                    for (String v : c.victims()) {
                        evicted.add(state.placement(v));
                        state.forget(v);
                    }
                    taken = c.taken();
                    node = state.node(c.node());
                }
                if (k == 0) nominated = node.name();
                int mask = m.gpuCount() > 0 ? handle.allocator().pick(node, m, node.cardsOfModels(mc.modelMask())) : 0;
                Allocation a = new Allocation(m, node.name(), CardAllocator.shares(node, m, mask));
                state.assume(a);
                assumed.add(a);
            }
        } finally {
            for (int i = assumed.size() - 1; i >= 0; i--) state.forget(assumed.get(i).pod());
            for (int i = evicted.size() - 1; i >= 0; i--) state.restore(evicted.get(i));
        }
        if (!planned || evicted.isEmpty()) return PostFilterResult.NONE;
        List<String> victims = new ArrayList<>(evicted.size());
        for (ClusterState.Placement p : evicted) victims.add(p.allocation().pod());
        return PostFilterResult.nominate(nominated, victims);
    }

    /** Victims for reclaim: pods of other groups in the tree, while every group they come from keeps its min. */
    private VictimSearch.Rules reclaimRules(Request r) {
        QuotaTree quotas = handle.quotas();
        return new VictimSearch.Rules() {
            @Override
            public boolean eligible(Request v) {
                String g = v.quotaGroup();
                return g != null && !g.equals(r.quotaGroup()) && quotas.contains(g);
            }

            @Override
            public boolean canGive(Map<String, Resources> taken) {
                for (Map.Entry<String, Resources> e : taken.entrySet()) {
                    if (!quotas.canGiveBack(e.getKey(), e.getValue())) return false;
                }
                return true;
            }
        };
    }

    private NodeState firstFit(CycleState cycle, Request r) {
        ClusterState state = handle.state();
        for (int i = 0; i < state.size(); i++) {
            if (handle.tryNode(cycle, r, state.node(i)) == null) return state.node(i);
        }
        return null;
    }
}
