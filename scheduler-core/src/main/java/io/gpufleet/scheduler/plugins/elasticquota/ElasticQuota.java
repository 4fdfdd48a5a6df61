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

    private record Candidate(String node, List<String> victims, int maxPriority, Map<String, Resources> taken) {}

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
                    Candidate c = bestCandidate(mc, m, k == 0 ? rejections : null, taken);
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

    private NodeState firstFit(CycleState cycle, Request r) {
        ClusterState state = handle.state();
        for (int i = 0; i < state.size(); i++) {
            if (handle.tryNode(cycle, r, state.node(i)) == null) return state.node(i);
        }
        return null;
    }

    /**
     * Among the candidate nodes (those the cycle rejected for reasons eviction could change, or every node when
     * {@code rejections} is null or empty), the one whose highest-priority victim is lowest, then fewest victims.
     */
    private Candidate bestCandidate(CycleState cycle, Request r, Decision.Rejections rejections, Map<String, Resources> taken) {
        ClusterState state = handle.state();
        int limit = handle.profile().maxPreemptionNodes();
        Candidate best = null;
        int tried = 0, found = 0;
        boolean allNodes = rejections == null || rejections.count() == 0;
        int candidates = allNodes ? state.size() : rejections.count();
        for (int i = 0; i < candidates && tried < limit && found < MAX_CANDIDATES; i++) {
            if (!allNodes && !rejections.reason(i).resolvable()) continue;
            NodeState node = state.node(allNodes ? i : rejections.nodeId(i));
            if (!couldFit(r, node)) continue;
            tried++;
            Candidate c = tryNode(cycle, r, node, taken);
            if (c == null) continue;
            found++;
            if (best == null || c.maxPriority() < best.maxPriority()
                    || (c.maxPriority() == best.maxPriority() && c.victims().size() < best.victims().size())) {
                best = c;
            }
        }
        return best;
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

    /**
     * Victims on {@code node} that make room for {@code r}, found by evicting for real and restoring after;
     * {@code takenBefore} is what earlier steps of the same plan already take from each group.
     */
    private Candidate tryNode(CycleState cycle, Request r, NodeState node, Map<String, Resources> takenBefore) {
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
        Map<String, Resources> taken = new HashMap<>(takenBefore);
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
        Map<String, Resources> kept = new HashMap<>(takenBefore);
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
                    kept.merge(p.allocation().request().quotaGroup(), Resources.of(p.allocation()), Resources::plus);
                }
            }
        }
        for (List<ClusterState.Placement> unit : units) unit.forEach(state::restore);
        return fits && !victims.isEmpty() ? new Candidate(node.name(), victims, maxPriority, kept) : null;
    }
}
