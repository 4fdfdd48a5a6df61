package io.gpufleet.scheduler.plugins.topology;

import io.gpufleet.scheduler.framework.CycleState;
import io.gpufleet.scheduler.framework.FrameworkHandle;
import io.gpufleet.scheduler.framework.ScorePlugin;
import io.gpufleet.scheduler.model.Request;
import io.gpufleet.scheduler.state.ClusterState;
import io.gpufleet.scheduler.state.NodeState;
import java.util.HashSet;
import java.util.Set;

/**
 * Score by GPU topology. For a pod on two or more GPUs the card allocator already picked the node's best set
 * (most NVLink links, then one PCIe switch, then one NUMA node, then an RDMA NIC nearby); this plugin scores the
 * node by that set's quality ({@link io.gpufleet.scheduler.allocator.TopologyTable#quality}, 0..100), so nodes
 * are compared by the best set they can offer. For a gang member it adds locality to the members already placed:
 * 100 on a node that holds one, 60 in the same rack, 0 elsewhere (fewest nodes, same rack). With both parts the
 * score is their mean.
 */
public final class TopologyScore implements ScorePlugin {
    public static final String NAME = "topology";
    private static final String SIBLINGS = NAME + ".siblings";

    private final FrameworkHandle handle;

    public TopologyScore(FrameworkHandle handle) {
        this.handle = handle;
    }

    @Override
    public String name() {
        return NAME;
    }

    private record Siblings(Set<Integer> nodes, Set<String> racks) {}

    @Override
    public long score(CycleState cycle, Request r, NodeState n, int cards) {
        boolean multi = Integer.bitCount(cards) >= 2;
        long topo = multi ? n.topology().quality(cards) : 0;
        if (r.podGroup() == null) return topo;
        Siblings s = cycle.get(SIBLINGS);
        if (s == null) {
            s = new Siblings(new HashSet<>(), new HashSet<>());
            ClusterState state = handle.state();
            for (String pod : handle.gangs().reservedMembers(r.podGroup())) {
                ClusterState.Placement p = state.placement(pod);
                if (p == null) continue;
                s.nodes().add(p.nodeId());
                s.racks().add(state.node(p.nodeId()).node().rack());
            }
            cycle.put(SIBLINGS, s);
        }
        long gang = s.nodes().contains(n.id()) ? 100 : s.racks().contains(n.node().rack()) ? 60 : 0;
        return multi ? (topo + gang) / 2 : gang;
    }
}
