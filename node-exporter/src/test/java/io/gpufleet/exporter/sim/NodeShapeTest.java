package io.gpufleet.exporter.sim;

import io.gpufleet.contracts.time.ManualClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.exporter.source.GpuIdentity;
import io.gpufleet.exporter.source.GpuPair;
import io.gpufleet.exporter.source.GpuReading;
import io.gpufleet.exporter.source.PathLevel;
import io.gpufleet.exporter.source.Topology;
import java.util.List;
import org.junit.jupiter.api.Test;

class NodeShapeTest {

    private static SimulatedNode node(String spec) {
        SimulationConfig c = SimulationConfig.defaults().withBackgroundLoad(false)
                .withNodeSpecs(List.of(NodeSpec.parse(spec, 8)));
        return SimulatedFleet.create(c, new ManualClock()).nodes().get(0);
    }

    private static PathLevel level(Topology t, int a, int b) {
        return t.between(a, b).orElseThrow().level();
    }

    @Test
    void nvSwitchConnectsEveryPairWithAllLinks() {
        for (String spec : List.of("h100-80gb", "a100-80gb")) {
            SimulatedNode n = node(spec);
            int links = n.spec().model().nvLinks();
            assertEquals(spec.startsWith("h100") ? 18 : 12, links);
            assertEquals(28, n.topology().pairs().size());
            for (GpuPair p : n.topology().pairs()) {
                assertEquals(PathLevel.NV, p.level());
                assertEquals(links, p.nvLinks());
            }
            GpuReading r = n.read(n.gpus().get(0));
            assertEquals(links, r.nvLinks().size());
            assertTrue(r.nvLinks().stream().allMatch(l -> l.active()));
            assertNuma(n, 0, 0, 0, 0, 1, 1, 1, 1);
        }
    }

    @Test
    void pcieDualSocketHasPixPairsNodeWithinAndSysAcrossSockets() {
        SimulatedNode n = node("a100-40gb");
        assertEquals(NodeShape.PCIE_DUAL_SOCKET, n.spec().shape());
        Topology t = n.topology();
        assertEquals(PathLevel.PIX, level(t, 0, 1));
        assertEquals(PathLevel.PIX, level(t, 6, 7));
        assertEquals(PathLevel.NODE, level(t, 0, 2));
        assertEquals(PathLevel.NODE, level(t, 5, 7));
        assertEquals(PathLevel.SYS, level(t, 3, 4));
        assertEquals(PathLevel.SYS, level(t, 0, 7));
        assertNuma(n, 0, 0, 0, 0, 1, 1, 1, 1);
        assertTrue(n.read(n.gpus().get(0)).nvLinks().isEmpty(), "PCIe A100 reports no NVLinks");
    }

    @Test
    void fourGpuNodesArePairsOrPxb() {
        SimulatedNode pairs = node("v100-32gbx4");
        assertEquals(NodeShape.NVLINK_PAIRS, pairs.spec().shape());
        assertEquals(PathLevel.NV, level(pairs.topology(), 0, 1));
        assertEquals(6, pairs.topology().between(2, 3).orElseThrow().nvLinks());
        assertEquals(PathLevel.PXB, level(pairs.topology(), 1, 2));
        assertNuma(pairs, 0, 0, 0, 0);

        SimulatedNode pxb = node("t4x4");
        assertEquals(NodeShape.PCIE_SWITCH, pxb.spec().shape());
        for (GpuPair p : pxb.topology().pairs()) assertEquals(PathLevel.PXB, p.level());
        assertEquals(6, pxb.topology().pairs().size());
    }

    @Test
    void singleGpuNodeHasNoPairs() {
        SimulatedNode n = node("l4x1");
        assertEquals(NodeShape.SINGLE, n.spec().shape());
        assertTrue(n.topology().pairs().isEmpty());
    }

    @Test
    void hybridCubeMeshGivesEveryV100SixLinks() {
        SimulatedNode n = node("v100-32gb");
        assertEquals(NodeShape.NVLINK_HYBRID_CUBE_MESH, n.spec().shape());
        for (int g = 0; g < 8; g++) {
            int sum = 0;
            for (GpuPair p : n.topology().pairs()) {
                if (p.a() == g || p.b() == g) sum += p.nvLinks();
            }
            assertEquals(6, sum, "GPU " + g);
        }
        assertEquals(2, n.topology().between(0, 4).orElseThrow().nvLinks());
        assertEquals(PathLevel.SYS, level(n.topology(), 0, 5));
    }

    @Test
    void shapeCompatibilityIsChecked() {
        assertNull(NodeShape.NVSWITCH.incompatibility(GpuModel.H100_SXM_80GB, 16));
        assertNotNull(NodeShape.NVSWITCH.incompatibility(GpuModel.L4_24GB, 8));
        assertNotNull(NodeShape.NVLINK_PAIRS.incompatibility(GpuModel.T4_16GB, 4));
        assertNotNull(NodeShape.NVLINK_HYBRID_CUBE_MESH.incompatibility(GpuModel.V100_SXM2_32GB, 4));
        assertNotNull(NodeShape.PCIE_DUAL_SOCKET.incompatibility(GpuModel.T4_16GB, 3));
        assertEquals(NodeShape.PCIE_SWITCH, NodeShape.defaultFor(GpuModel.T4_16GB, 3));
        assertEquals("v100-16gbx2/pcie-switch", NodeSpec.parse("v100-16gbx2", 8).toSpec());
        assertEquals(NodeSpec.parse("h100-80gbx16/nvswitch", 8), NodeSpec.parse(NodeSpec.parse("h100-80gbx16", 8).toSpec(), 1));
    }

    @Test
    void parsesModelMixesAndNodeListsNamingTheBadEntry() {
        assertEquals(List.of(GpuModel.H100_SXM_80GB, GpuModel.T4_16GB, GpuModel.L4_24GB),
                GpuModel.parseList("h100-80gb, Tesla T4,L4_24GB"));
        SimulatedFleetTest.assertField("models", () -> GpuModel.parseList("h100-80gb,mi300x"));
        SimulatedFleetTest.assertField("models", () -> GpuModel.parseList(" , "));
        assertEquals(List.of(NodeSpec.of(GpuModel.A100_SXM_80GB, 8), NodeSpec.of(GpuModel.T4_16GB, 4)),
                NodeSpec.parseList("a100-80gb,t4x4", 8));
        SimulatedFleetTest.assertField("nodeSpecs[1].shape", () -> NodeSpec.parseList("a100-80gb,t4x4/nvswitch", 8));
        SimulatedFleetTest.assertField("nodeSpecs[0].gpus", () -> NodeSpec.parseList("t4x0", 8));
    }

    private static void assertNuma(SimulatedNode n, int... expected) {
        List<GpuIdentity> gpus = n.gpus();
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], gpus.get(i).numaNode(), "GPU " + i);
    }
}
