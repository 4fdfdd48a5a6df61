package io.gpufleet.analytics.source;

import io.gpufleet.exporter.sim.SimulatedFleet;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Simulated fleets an embedded job reads, by name: the fleet lives in the same JVM as the MiniCluster (so the
 * scheduler and fault drills act on the very fleet the job watches), and the job's serialized source finds it here.
 */
public final class InProcessFleets {
    private InProcessFleets() {}

    private static final Map<String, SimulatedFleet> FLEETS = new ConcurrentHashMap<>();

    public static void register(String name, SimulatedFleet fleet) {
        FLEETS.put(name, fleet);
    }

    public static void unregister(String name) {
        FLEETS.remove(name);
    }

    static SimulatedFleet get(String name) {
        SimulatedFleet f = FLEETS.get(name);
        if (f == null) throw new IllegalStateException("no simulated fleet registered as '" + name + "'");
        return f;
    }
}
