package io.gpufleet.analytics.source;

import io.gpufleet.exporter.collect.Collector;
import io.gpufleet.exporter.sim.SimulatedFleet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Simulated fleets an embedded job reads, by name: the fleet lives in the same JVM as the MiniCluster (so the
 * scheduler and fault drills act on the very fleet the job watches), and the job's serialized source finds it here.
 */
public final class InProcessFleets {
    private InProcessFleets() {}

    private static final Map<String, SimulatedFleet> FLEETS = new ConcurrentHashMap<>();
    private static final Map<String, List<Collector>> COLLECTORS = new ConcurrentHashMap<>();

    public static void register(String name, SimulatedFleet fleet) {
        FLEETS.put(name, fleet);
    }

    /**
     * Registers a fleet whose nodes already have collectors (the exporters of {@code fleet up}, in node order). The
     * job reads through them: a node's GPU events have one consumer, its exporter's event thread, so a second
     * collector on the same node would take XIDs away from the exporter.
     */
    public static void register(String name, SimulatedFleet fleet, List<Collector> collectors) {
        if (collectors.size() != fleet.nodes().size()) {
            throw new IllegalArgumentException("one collector per node: " + collectors.size() + " for "
                    + fleet.nodes().size() + " nodes");
        }
        FLEETS.put(name, fleet);
        COLLECTORS.put(name, List.copyOf(collectors));
    }

    public static void unregister(String name) {
        FLEETS.remove(name);
        COLLECTORS.remove(name);
    }

    static Optional<List<Collector>> collectors(String name) {
        return Optional.ofNullable(COLLECTORS.get(name));
    }

    static SimulatedFleet get(String name) {
        SimulatedFleet f = FLEETS.get(name);
        if (f == null) throw new IllegalStateException("no simulated fleet registered as '" + name + "'");
        return f;
    }
}
