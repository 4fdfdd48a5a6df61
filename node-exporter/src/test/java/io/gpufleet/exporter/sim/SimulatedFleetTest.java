package io.gpufleet.exporter.sim;

import io.gpufleet.contracts.time.ManualClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.exporter.source.GpuField;
import io.gpufleet.exporter.source.GpuIdentity;
import io.gpufleet.exporter.source.GpuReading;
import io.gpufleet.exporter.source.PathLevel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class SimulatedFleetTest {
    private static final Pattern UUID = Pattern.compile(
            "GPU-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    @Test
    void defaultFleetIsSixteenNodesOfEightMixedGpus() {
        SimulatedFleet fleet = SimulatedFleet.create(SimulationConfig.defaults(), new ManualClock());
        assertEquals(16, fleet.nodes().size());
        assertEquals(128, fleet.gpuCount());
        assertEquals("sim-node-00", fleet.nodes().get(0).node());
        assertEquals("sim-node-15", fleet.nodes().get(15).node());
        Set<GpuModel> models = new HashSet<>();
        Set<NodeShape> shapes = new HashSet<>();
        Set<String> uuids = new HashSet<>();
        for (SimulatedNode n : fleet.nodes()) {
            models.add(n.spec().model());
            shapes.add(n.spec().shape());
            assertEquals(8, n.gpus().size());
            for (GpuIdentity id : n.gpus()) {
                assertTrue(UUID.matcher(id.uuid()).matches(), id.uuid());
                assertTrue(uuids.add(id.uuid()), "UUIDs are unique");
                assertEquals(n.spec().model().productName(), id.model());
                assertEquals(n.node(), id.node());
            }
        }
        assertTrue(models.size() >= 6, "mixed models: " + models);
        assertTrue(shapes.containsAll(List.of(NodeShape.NVSWITCH, NodeShape.PCIE_DUAL_SOCKET,
                NodeShape.NVLINK_HYBRID_CUBE_MESH)), shapes.toString());
    }

    @Test
    void sameSeedAndClockStepsGiveIdenticalReadings() {
        assertEquals(trace(7), trace(7));
    }

    @Test
    void differentSeedsGiveDifferentUuidsAndNoise() {
        SimulatedFleet a = SimulatedFleet.create(SimulationConfig.defaults().withSeed(1), new ManualClock());
        SimulatedFleet b = SimulatedFleet.create(SimulationConfig.defaults().withSeed(2), new ManualClock());
        for (int n = 0; n < a.nodes().size(); n++) {
            for (int g = 0; g < a.nodes().get(n).gpus().size(); g++) {
                assertNotEquals(a.nodes().get(n).gpus().get(g).uuid(), b.nodes().get(n).gpus().get(g).uuid());
            }
        }
        assertNotEquals(trace(1), trace(2));
    }

    @Test
    void readingsDoNotDependOnHowOftenOtherGpusAreRead() {
        ManualClock c1 = new ManualClock();
        ManualClock c2 = new ManualClock();
        SimulatedNode n1 = SimulatedFleet.create(SimulationConfig.defaults().withNodes(1), c1).nodes().get(0);
        SimulatedNode n2 = SimulatedFleet.create(SimulationConfig.defaults().withNodes(1), c2).nodes().get(0);
        for (int s = 0; s < 30; s++) {
            c1.advance(Duration.ofSeconds(1));
            c2.advance(Duration.ofSeconds(1));
            for (GpuIdentity id : n1.gpus()) n1.read(id);
        }
        for (int g = 0; g < n1.gpus().size(); g++) {
            assertEquals(n1.read(n1.gpus().get(g)), n2.read(n2.gpus().get(g)), "GPU " + g);
        }
    }

    /** Runs a fixed script of clock steps, work and faults, and collects every reading. */
    private static List<GpuReading> trace(long seed) {
        ManualClock clock = new ManualClock();
        SimulationConfig config = SimulationConfig.defaults().withSeed(seed).withNodes(3)
                .withRandomFaultsPerNodeHour(30)
                .withFaults(List.of(ScheduledFault.parse("20s:sim-node-01:3:thermal=30s")));
        SimulatedFleet fleet = SimulatedFleet.create(config, clock);
        List<GpuReading> out = new ArrayList<>();
        String w = null;
        for (int step = 0; step < 120; step++) {
            clock.advanceMillis(700 + (step % 5) * 300);
            if (step == 10) w = fleet.startWork("sim-node-00", 2, new Workload("ml", "train-0", "main", 0.8, 20L << 30));
            if (step == 40) fleet.inject("sim-node-02", 1, new Fault.EccDoubleBit());
            if (step == 80) fleet.stopWork(w);
            for (SimulatedNode n : fleet.nodes()) {
                for (GpuIdentity id : n.gpus()) out.add(n.read(id));
            }
        }
        return out;
    }

    @Test
    void gpusPerNodeBuildsLargeNodesOfNvSwitchIslands() {
        SimulationConfig config = SimulationConfig.defaults().withNodes(1).withGpusPerNode(64)
                .withModels(List.of(GpuModel.H100_SXM_80GB));
        SimulatedNode node = SimulatedFleet.create(config, new ManualClock()).nodes().get(0);
        assertEquals(64, node.gpus().size());
        assertEquals(64 * 63 / 2, node.topology().pairs().size());
        assertEquals(PathLevel.NV, node.topology().between(8, 15).orElseThrow().level());
        assertEquals(18, node.topology().between(8, 15).orElseThrow().nvLinks());
        assertEquals(PathLevel.SYS, node.topology().between(7, 8).orElseThrow().level());
        assertEquals(0, node.gpus().get(31).numaNode());
        assertEquals(1, node.gpus().get(32).numaNode());
        Set<String> buses = new HashSet<>();
        for (GpuIdentity id : node.gpus()) assertTrue(buses.add(id.pciBusId()), "PCI bus ids are unique");
        GpuReading r = node.read(node.gpus().get(63));
        assertEquals(700, r.value(GpuField.POWER_LIMIT_WATTS));
    }

    @Test
    void explicitNodeSpecsOverrideTheMix() {
        SimulationConfig config = SimulationConfig.defaults().withNodeSpecs(List.of(
                NodeSpec.parse("t4x1", 8), NodeSpec.parse("v100-32gbx4", 8), NodeSpec.parse("l4x4/pcie-switch", 8)));
        SimulatedFleet fleet = SimulatedFleet.create(config, new ManualClock());
        assertEquals(3, fleet.nodes().size());
        assertEquals(new NodeSpec(GpuModel.T4_16GB, 1, NodeShape.SINGLE), fleet.nodes().get(0).spec());
        assertEquals(new NodeSpec(GpuModel.V100_SXM2_32GB, 4, NodeShape.NVLINK_PAIRS), fleet.nodes().get(1).spec());
        assertEquals(NodeShape.PCIE_SWITCH, fleet.nodes().get(2).spec().shape());
        assertEquals(9, fleet.gpuCount());
    }

    @Test
    void configValidationNamesTheField() {
        SimulationConfig d = SimulationConfig.defaults();
        assertField("nodes", () -> d.withNodes(0));
        assertField("gpusPerNode", () -> d.withGpusPerNode(257));
        assertField("models", () -> d.withModels(List.of()));
        assertField("randomFaultsPerNodeHour", () -> d.withRandomFaultsPerNodeHour(-1));
        assertField("randomFaultsPerNodeHour", () -> d.withRandomFaultsPerNodeHour(Double.NaN));
        assertField("nodeSpecs", () -> new SimulationConfig(1, 4, 8, null, List.of(NodeSpec.of(GpuModel.T4_16GB, 2)),
                List.of(), 0, false));
        assertField("faults[0].node", () -> d.withFaults(List.of(ScheduledFault.parse("1s:sim-node-16:0:xid=79"))));
        assertField("faults[1].gpu", () -> d.withFaults(ScheduledFault.parseList(
                "1s:sim-node-00:0:xid=13,1s:sim-node-00:8:xid=79")));
        // node 3 of the default mix is a V100, which retires pages instead of remapping rows
        assertField("faults[0].fault", () -> d.withFaults(List.of(
                ScheduledFault.parse("1s:sim-node-03:0:row_remap_failure"))));
        assertField("shape", () -> new NodeSpec(GpuModel.T4_16GB, 8, NodeShape.NVSWITCH));
        assertField("shape", () -> new NodeSpec(GpuModel.H100_SXM_80GB, 4, NodeShape.SINGLE));
        assertField("gpus", () -> NodeSpec.of(GpuModel.L4_24GB, 0));
        assertField("model", () -> NodeSpec.parse("b200x8", 8));
    }

    static void assertField(String field, Runnable r) {
        InvalidFieldException e = assertThrows(InvalidFieldException.class, r::run);
        assertEquals(field, e.field(), e.getMessage());
        assertTrue(e.getMessage().startsWith(field), e.getMessage());
    }
}
