package io.gpufleet.scheduler.preemption;

import io.gpufleet.scheduler.framework.CycleState;
import io.gpufleet.scheduler.framework.Decision;
import io.gpufleet.scheduler.framework.FrameworkHandle;
import io.gpufleet.scheduler.model.Allocation;
import io.gpufleet.scheduler.model.Request;
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
 * The victim search shared by the preempting PostFilter plugins (quota reclaim, priority preemption); what may be
 * evicted is theirs to say through {@link Rules}. On each candidate node victims are taken lowest priority first
 * (larger first among equals), a gang member bringing its whole gang, until the pod fits and the rules say the
 * victims are enough; then victims the pod does not need are given back, highest priority first. Trials evict
 * for real in {@link ClusterState} and restore exactly afterwards. Among candidate nodes the one whose
 * highest-priority victim is lowest wins, then the fewest victims.
 */
public final class VictimSearch {
    /** Stop once this many nodes with a victim set were found (kube-scheduler stops early too). */
    private static final int MAX_CANDIDATES = 10;

    /** What a preempting plugin allows. Resources taken are keyed by quota group ("" for pods without one). */
    public interface Rules {
        /** Whether {@code victim} may be evicted for the pod. */
        boolean eligible(Request victim);

        /** Whether the groups can give back this much in total. */
        default boolean canGive(Map<String, Resources> takenByGroup) {
            return true;
        }

        /** Whether this much taken is enough for the pod, besides the node fitting it (e.g. its quota's max). */
        default boolean enough(Map<String, Resources> takenByGroup) {
            return true;
        }
    }

    /** A node, the pods to evict there (gang members may sit on other nodes), and what they give back. */
    public record Candidate(String node, List<String> victims, int maxPriority, Map<String, Resources> taken) {}

    private final FrameworkHandle handle;

    public VictimSearch(FrameworkHandle handle) {
        this.handle = handle;
    }

    /** The quota-group key of a pod. */
    public static String group(Request r) {
        return r.quotaGroup() == null ? "" : r.quotaGroup();
    }

    /**
     * The best node with victims for {@code r}: among the nodes the cycle rejected for reasons eviction could
     * change (every node when {@code rejections} is null or empty), at most {@code maxPreemptionNodes} of those
     * that could fit at all. {@code takenBefore} is what earlier steps of the same plan already take.
     */
    public Candidate best(CycleState cycle, Request r, Decision.Rejections rejections, Map<String, Resources> takenBefore, Rules rules) {
        ClusterState state = handle.state();
        int limit = handle.profile().maxPreemptionNodes();
        Candidate best = null;
        int tried = 0, found = 0;
        boolean allNodes = rejections == null || rejections.count() == 0;
        int candidates = allNodes ? state.size() : rejections.count();
        for (int i = 0; i < candidates && tried < limit && found < MAX_CANDIDATES; i++) {
            if (!allNodes && !rejections.reason(i).resolvable()) continue;
            NodeState node = state.node(allNodes ? i : rejections.nodeId(i));
            if (!couldFit(r, node, rules)) continue;
            tried++;
            Candidate c = onNode(cycle, r, node, takenBefore, rules);
            if (c == null) continue;
            found++;
            if (best == null || c.maxPriority() < best.maxPriority()
                    || (c.maxPriority() == best.maxPriority() && c.victims().size() < best.victims().size())) {
                best = c;
            }
        }
        return best;
    }

    /** Cheap upper bound: free plus everything eligible on the node covers the pod's CPU, memory and GPU compute. */
    private boolean couldFit(Request r, NodeState node, Rules rules) {
        if (node.pods().isEmpty()) return false;
        long cpu = node.cpuFree(), mem = node.memoryFree(), milli = node.freeGpuMilli();
        ClusterState state = handle.state();
        for (String pod : node.pods()) {
            Request v = state.placement(pod).allocation().request();
            if (!rules.eligible(v)) continue;
            cpu += v.cpuMilli();
            mem += v.memoryMiB();
            milli += (long) v.gpuCount() * v.coreOnCard();
        }
        return cpu >= r.cpuMilli() && mem >= r.memoryMiB() && milli >= (long) r.gpuCount() * r.coreOnCard();
    }

    private record Unit(List<ClusterState.Placement> pods, Map<String, Resources> gives) {}

    private Candidate onNode(CycleState cycle, Request r, NodeState node, Map<String, Resources> takenBefore, Rules rules) {
        ClusterState state = handle.state();
        List<Allocation> eligible = new ArrayList<>();
        for (String pod : node.pods()) {
            Allocation a = state.placement(pod).allocation();
            if (rules.eligible(a.request())) eligible.add(a);
        }
        if (eligible.isEmpty()) return null;
        eligible.sort(Comparator.comparingInt((Allocation a) -> a.request().priority())
                .thenComparing(Comparator.comparingLong(Allocation::gpuMilli).reversed())
                .thenComparing(Allocation::pod));
        Map<String, Resources> taken = new HashMap<>(takenBefore);
        List<Unit> units = new ArrayList<>();
        Set<String> out = new HashSet<>();
        boolean fits = false;
        for (Allocation a : eligible) {
            if (out.contains(a.pod())) continue;
            Set<String> members = new LinkedHashSet<>();
            String gang = a.request().podGroup();
            if (gang != null) members.addAll(handle.gangs().reservedMembers(gang));
            members.add(a.pod());
            Map<String, Resources> gives = new HashMap<>();
            List<ClusterState.Placement> pods = new ArrayList<>();
            boolean allowed = true;
            for (String m : members) {
                ClusterState.Placement p = state.placement(m);
                if (p == null) continue;
                if (!rules.eligible(p.allocation().request())) {
                    allowed = false;
                    break;
                }
                gives.merge(group(p.allocation().request()), Resources.of(p.allocation()), Resources::plus);
                pods.add(p);
            }
            if (!allowed) continue;
            Map<String, Resources> would = add(taken, gives);
            if (!rules.canGive(would)) continue;
            taken = would;
            for (ClusterState.Placement p : pods) {
                state.forget(p.allocation().pod());
                out.add(p.allocation().pod());
            }
            units.add(new Unit(pods, gives));
            if (rules.enough(taken) && handle.tryNode(cycle, r, node) == null) {
                fits = true;
                break;
            }
        }
        List<String> victims = new ArrayList<>();
        int maxPriority = Integer.MIN_VALUE;
        if (fits) {
            // Give back, highest priority first, every unit the pod does not need.
            for (int u = units.size() - 1; u >= 0; u--) {
                Unit unit = units.get(u);
                Map<String, Resources> without = subtract(taken, unit.gives());
                unit.pods().forEach(state::restore);
                if (rules.enough(without) && handle.tryNode(cycle, r, node) == null) {
                    units.set(u, new Unit(List.of(), Map.of()));
                    taken = without;
                } else {
                    for (ClusterState.Placement p : unit.pods()) state.forget(p.allocation().pod());
                }
            }
            for (Unit unit : units) {
                for (ClusterState.Placement p : unit.pods()) {
                    victims.add(p.allocation().pod());
                    maxPriority = Math.max(maxPriority, p.allocation().request().priority());
                }
            }
        }
        for (Unit unit : units) unit.pods().forEach(state::restore);
        return fits && !victims.isEmpty() ? new Candidate(node.name(), victims, maxPriority, taken) : null;
    }

    private static Map<String, Resources> add(Map<String, Resources> a, Map<String, Resources> b) {
        Map<String, Resources> out = new HashMap<>(a);
        b.forEach((k, v) -> out.merge(k, v, Resources::plus));
        return out;
    }

    private static Map<String, Resources> subtract(Map<String, Resources> a, Map<String, Resources> b) {
        Map<String, Resources> out = new HashMap<>(a);
        b.forEach((k, v) -> out.put(k, out.get(k).minus(v)));
        return out;
    }
}
