package io.gpufleet.analytics.testing;

import io.gpufleet.exporter.collect.Collector;
import io.gpufleet.exporter.collect.CollectorSettings;
import io.gpufleet.exporter.collect.NodeSnapshot;
import io.gpufleet.exporter.health.HealthEvaluator;
import io.gpufleet.exporter.health.HealthPolicy;
import io.gpufleet.exporter.sim.SimulatedFleet;
import io.gpufleet.exporter.sim.SimulatedNode;
import java.util.ArrayList;
import java.util.List;

/** Real exporter snapshots of a simulated fleet: one collector per node, passes run by hand. */
public final class FleetSnapshots {
    private final List<Collector> collectors = new ArrayList<>();

    public FleetSnapshots(SimulatedFleet fleet) {
        for (SimulatedNode n : fleet.nodes()) {
            collectors.add(new Collector(n, n, new HealthEvaluator(HealthPolicy.DEFAULT), fleet.clock(),
                    CollectorSettings.DEFAULT));
        }
    }

    /** One pass over every node (after draining each node's pending GPU events). */
    public List<NodeSnapshot> collect(SimulatedFleet fleet) {
        List<NodeSnapshot> out = new ArrayList<>();
        for (int i = 0; i < collectors.size(); i++) {
            Collector c = collectors.get(i);
            try {
                c.recordEvents(fleet.nodes().get(i).awaitEvents(java.time.Duration.ZERO));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            out.add(c.collectOnce());
        }
        return out;
    }
}
