package io.gpufleet.scheduler.plugins.elasticquota;

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
import io.gpufleet.scheduler.model.Allocation;
import io.gpufleet.scheduler.model.Request;
import io.gpufleet.scheduler.quota.QuotaTree;
import io.gpufleet.scheduler.quota.Resources;
import io.gpufleet.scheduler.state.ClusterState;
import io.gpufleet.scheduler.state.NodeState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
 *       highest-priority victim is lowest wins, then the fewest victims.</li>
 * </ul>
 * Pods without a quota group are not limited and never reclaim. Nothing is charged when the tree is empty.
 */
public final class ElasticQuota implements QueueSortPlugin, PreFilterPlugin, ReservePlugin, PostFilterPlugin {
    public static final String NAME = "elasticquota";
    private final FrameworkHandle handle;
    private final Set<String> charged = new HashSet<>();

    public ElasticQuota(FrameworkHandle handle) {
        this.handle = handle;
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
        String why = handle.quotas().checkAdmit(r.quotaGroup(), Resources.estimate(r));
        return why == null ? Status.OK : Status.unschedulable(NAME, why);
    }

    @Override
    public Status reserve(CycleState cycle, Allocation a) {
        Request r = a.request();
        if (!governed(r)) return Status.OK;
        Resources exact = Resources.of(a);
        String why = handle.quotas().checkAdmit(r.quotaGroup(), exact);
        if (why != null) return Status.unschedulable(NAME, why);
        handle.quotas().add(r.quotaGroup(), exact);
        charged.add(a.pod());
        return Status.OK;
    }

    @Override
    public void unreserve(Allocation a) {
        if (charged.remove(a.pod())) handle.quotas().remove(a.request().quotaGroup(), Resources.of(a));
    }

    private record Candidate(String node, List<String> victims, int maxPriority) {}

    @Override
    public PostFilterResult postFilter(CycleState cycle, Request r, Decision.Rejections rejections) {
        if (!governed(r)) return PostFilterResult.NONE;
        QuotaTree quotas = handle.quotas();
        if (!quotas.withinMin(r.quotaGroup(), Resources.estimate(r))) return PostFilterResult.NONE;
        // Someone must be above min, or there is nothing to reclaim.
        boolean anyAbove = false;
        for (String g : quotas.names()) {
            if (!g.equals(r.quotaGroup()) && !quotas.used(g).fitsIn(quotas.spec(g).min())) {
                anyAbove = true;
                break;
            }
        }
        if (!anyAbove) return PostFilterResult.NONE;
        ClusterState state = handle.state();
        int limit = handle.profile().maxPreemptionNodes();
        Candidate best = null;
        int tried = 0, found = 0;
        // After a cluster-wide PreFilter rejection no node was visited: every node is a candidate then.
        boolean allNodes = rejections.count() == 0;
        int candidates = allNodes ? state.size() : rejections.count();
        for (int i = 0; i < candidates && tried < limit && found < MAX_CANDIDATES; i++) {
            if (!allNodes && !rejections.reason(i).resolvable()) continue;
            NodeState node = state.node(allNodes ? i : rejections.nodeId(i));
            if (!couldFit(r, node)) continue;
            tried++;
            Candidate c = tryNode(cycle, r, node);
            if (c == null) continue;
            found++;
            if (best == null || c.maxPriority() < best.maxPriority()
                    || (c.maxPriority() == best.maxPriority() && c.victims().size() < best.victims().size())) {
                best = c;
            }
        }
        return best == null ? PostFilterResult.NONE : PostFilterResult.nominate(best.node(), best.victims());
    }

    /** Stop the search once this many nodes with a victim set were found (kube-scheduler stops early too). */
    private static final int MAX_CANDIDATES = 10;

    /** Cheap upper bound: free plus everything evictable on the node covers the pod's CPU, memory and GPU compute. */
    private boolean couldFit(Request r, NodeState node) {
        if (node.pods().isEmpty()) return false;
        long cpu = node.cpuFree(), mem = node.memoryFree(), milli = node.freeGpuMilli();
        ClusterState state = handle.state();
        for (String pod : node.pods()) {
            Request v = state.placement(pod).allocation().request();
            String g = v.quotaGroup();
            if (g == null || g.equals(r.quotaGroup())) continue;
            cpu += v.cpuMilli();
            mem += v.memoryMiB();
            milli += (long) v.gpuCount() * v.coreOnCard();
        }
        return cpu >= r.cpuMilli() && mem >= r.memoryMiB() && milli >= (long) r.gpuCount() * r.coreOnCard();
    }

    /** Victims on {@code node} that make room for {@code r}, found by evicting for real and restoring after. */
    private Candidate tryNode(CycleState cycle, Request r, NodeState node) {
        ClusterState state = handle.state();
        QuotaTree quotas = handle.quotas();
        List<Allocation> eligible = new ArrayList<>();
        for (String pod : node.pods()) {
            Allocation a = state.placement(pod).allocation();
            String g = a.request().quotaGroup();
            if (g != null && !g.equals(r.quotaGroup()) && quotas.contains(g)) eligible.add(a);
        }
        if (eligible.isEmpty()) return null;
        eligible.sort(Comparator.comparingInt((Allocation a) -> a.request().priority())
                .thenComparing(Comparator.comparingLong(Allocation::gpuMilli).reversed())
                .thenComparing(Allocation::pod));
        Map<String, Resources> taken = new HashMap<>();
        List<List<ClusterState.Placement>> units = new ArrayList<>();
        Set<String> out = new HashSet<>();
        boolean fits = false;
        for (Allocation a : eligible) {
            if (out.contains(a.pod())) continue;
            Set<String> members = new LinkedHashSet<>();
            String gang = a.request().podGroup();
            if (gang != null) members.addAll(handle.gangs().reservedMembers(gang));
            members.add(a.pod());
            Map<String, Resources> would = new HashMap<>(taken);
            List<ClusterState.Placement> unit = new ArrayList<>();
            boolean allowed = true;
            for (String m : members) {
                ClusterState.Placement p = state.placement(m);
                if (p == null) continue;
                String g = p.allocation().request().quotaGroup();
                if (g == null || g.equals(r.quotaGroup()) || !quotas.contains(g)) {
                    allowed = false;
                    break;
                }
                would.merge(g, Resources.of(p.allocation()), Resources::plus);
                unit.add(p);
            }
            if (!allowed) continue;
            for (Map.Entry<String, Resources> e : would.entrySet()) {
                if (!quotas.canGiveBack(e.getKey(), e.getValue())) {
                    allowed = false;
                    break;
                }
            }
            if (!allowed) continue;
            taken = would;
            for (ClusterState.Placement p : unit) {
                state.forget(p.allocation().pod());
                out.add(p.allocation().pod());
            }
            units.add(unit);
            if (handle.tryNode(cycle, r, node) == null) {
                fits = true;
                break;
            }
        }
        List<String> victims = new ArrayList<>();
        int maxPriority = Integer.MIN_VALUE;
        if (fits) {
            // Give back, highest priority first, every unit the pod does not need.
            for (int u = units.size() - 1; u >= 0; u--) {
                List<ClusterState.Placement> unit = units.get(u);
                unit.forEach(state::restore);
                if (handle.tryNode(cycle, r, node) == null) {
                    units.set(u, List.of());
                } else {
                    for (ClusterState.Placement p : unit) state.forget(p.allocation().pod());
                }
            }
            for (List<ClusterState.Placement> unit : units) {
                for (ClusterState.Placement p : unit) {
                    victims.add(p.allocation().pod());
                    maxPriority = Math.max(maxPriority, p.allocation().request().priority());
                }
            }
        }
        for (List<ClusterState.Placement> unit : units) unit.forEach(state::restore);
        return fits && !victims.isEmpty() ? new Candidate(node.name(), victims, maxPriority) : null;
    }
}
