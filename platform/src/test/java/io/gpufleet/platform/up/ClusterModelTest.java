package io.gpufleet.platform.up;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.exporter.sim.SimulatedFleet;
import io.gpufleet.exporter.sim.SimulatedNode;
import io.gpufleet.exporter.sim.SimulationConfig;
import io.gpufleet.exporter.source.GpuField;
import io.gpufleet.exporter.source.GpuIdentity;
import io.gpufleet.exporter.source.GpuPair;
import io.gpufleet.exporter.source.PathLevel;
import io.gpufleet.scheduler.api.JobSpec;
import io.gpufleet.scheduler.api.Principal;
import io.gpufleet.scheduler.api.SchedulerMetrics;
import io.gpufleet.scheduler.api.SchedulerService;
import io.gpufleet.scheduler.framework.Profile;
import io.gpufleet.scheduler.model.Gpu;
import io.gpufleet.scheduler.model.Node;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The scheduler's model of the simulated fleet and the default quota groups. */
class ClusterModelTest {

    @Test
    void schedulerNodesCarryTheFleetsGpusUuidsModelsMemoryAndNvlinks() {
        try (SimulatedFleet fleet = SimulatedFleet.create(SimulationConfig.defaults().withNodes(16).withGpusPerNode(8),
                Clock.systemUTC())) {
            List<Node> nodes = ClusterModel.nodes(fleet);
            assertEquals(fleet.nodes().size(), nodes.size());
            int nvlinked = 0;
            for (int i = 0; i < nodes.size(); i++) {
                SimulatedNode sim = fleet.nodes().get(i);
                Node n = nodes.get(i);
                assertEquals(sim.node(), n.name());
                assertEquals(sim.gpus().size(), n.gpus().size());
                for (GpuIdentity id : sim.gpus()) {
                    Gpu g = n.gpus().get(id.index());
                    assertEquals(id.uuid(), g.uuid());
                    assertEquals(id.model(), g.model());
                    assertEquals((long) (sim.read(id).value(GpuField.MEMORY_TOTAL_BYTES) / (1 << 20)), g.memoryMiB());
                }
                for (GpuPair p : sim.topology().pairs()) {
                    int links = p.level() == PathLevel.NV ? p.nvLinks() : 0;
                    assertEquals(links, n.gpus().get(p.a()).linksTo(p.b()), sim.node() + " " + p);
                    assertEquals(links, n.gpus().get(p.b()).linksTo(p.a()), sim.node() + " " + p);
                    if (links > 0) nvlinked++;
                }
            }
            assertTrue(nvlinked > 0, "the default mix has NVLink nodes");
        }
    }

    @Test
    void defaultQuotasFitTheFleetAndGovernTheirNamespaces() {
        try (SimulatedFleet fleet = SimulatedFleet.create(SimulationConfig.defaults().withNodes(4).withGpusPerNode(8),
                Clock.systemUTC())) {
            List<SchedulerService.QuotaEntry> quotas = ClusterModel.quotas(ClusterModel.DEFAULT_QUOTAS, fleet.gpuCount());
            Map<String, Long> min = new java.util.HashMap<>();
            for (SchedulerService.QuotaEntry q : quotas) min.put(q.spec().name(), q.spec().min().gpuMilli() / 1000);
            assertEquals(Map.of("research", 16L, "team-a", 8L, "team-b", 8L, "inference", 8L), min);
            SchedulerService s = new SchedulerService(ClusterModel.nodes(fleet), quotas, Profile.defaultProfile(),
                    Clock.systemUTC(), new SchedulerMetrics());
            for (String ns : List.of("team-a", "team-b", "inference")) assertEquals(ns, s.defaultGroup(ns));
            // team-a may borrow up to its max of 24 GPUs, no further
            Principal alice = new Principal("alice", Set.of("team-a"), false);
            var job = s.submitJob(alice, new JobSpec("alice-big", "team-a", 3, Map.of("nvidia.com/gpu", "8"), null,
                    null, null, null, null, null));
            assertEquals(3, job.pods().stream().filter(p -> p.phase().equals("Bound")).count(), job.toString());
            var more = s.submitJob(alice, new JobSpec("alice-more", "team-a", null, Map.of("nvidia.com/gpu", "1"), null,
                    null, null, null, null, null));
            assertEquals("Pending", more.pods().get(0).phase(), more.toString());
        }
    }
}
