package io.gpufleet.exporter.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.gpufleet.contracts.GpuInventory;
import io.gpufleet.contracts.ResourceNames;
import io.gpufleet.exporter.sim.SimulatedFleet;
import io.gpufleet.exporter.sim.SimulatedNode;
import io.gpufleet.exporter.sim.SimulationConfig;
import io.gpufleet.exporter.source.GpuIdentity;
import io.gpufleet.exporter.source.GpuPair;
import io.gpufleet.exporter.source.GpuReading;
import io.gpufleet.contracts.time.ManualClock;
import io.gpufleet.exporter.source.PathLevel;
import io.gpufleet.exporter.source.Topology;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InventoryTest {

    @Test
    void nvlinkPeersMemoryAndPcieSwitchesComeFromWhatTheExporterRead() {
        ManualClock clock = new ManualClock();
        try (SimulatedFleet fleet = SimulatedFleet.create(SimulationConfig.defaults().withNodes(3), clock)) {
            SimulatedNode nvswitch = fleet.nodes().get(0); // 8x H100 on NVSwitch
            Map<Integer, GpuReading> readings = new HashMap<>();
            for (GpuIdentity g : nvswitch.gpus()) readings.put(g.index(), nvswitch.read(g));
            List<GpuInventory.Entry> inv = InventoryBuilder.build(nvswitch.gpus(), readings, nvswitch.topology());
            assertEquals(8, inv.size());
            assertEquals(7, inv.get(3).nvlinkPeers().size(), "every other GPU is an NVLink peer on NVSwitch");
            assertEquals(18, inv.get(3).nvlinkPeers().get(5));
            assertTrue(inv.get(0).memoryMiB() > 80_000, "H100 80GB: " + inv.get(0).memoryMiB());
            assertEquals(nvswitch.gpus().get(2).uuid(), inv.get(2).uuid());
            assertEquals(inv, GpuInventory.parse(GpuInventory.toJson(inv)), "the annotation round-trips");
        }
        // PCIe: GPUs under one switch (PIX) share its number, others keep their own.
        List<GpuIdentity> ids = List.of(id(0), id(1), id(2), id(3));
        Topology t = new Topology(List.of(new GpuPair(0, 1, PathLevel.PIX, 0), new GpuPair(2, 3, PathLevel.PIX, 0),
                new GpuPair(0, 2, PathLevel.NODE, 0), new GpuPair(1, 3, PathLevel.SYS, 0)));
        List<GpuInventory.Entry> pcie = InventoryBuilder.build(ids, Map.of(), t);
        assertEquals(List.of(0, 0, 2, 2), pcie.stream().map(GpuInventory.Entry::pcieSwitch).toList());
        assertTrue(pcie.get(1).nvlinkPeers().isEmpty());
        assertEquals(0, pcie.get(1).memoryMiB(), "unknown memory is 0, not a guess");
    }

    private static GpuIdentity id(int i) {
        return new GpuIdentity("n", i, "GPU-" + i, "NVIDIA A100-PCIE-40GB", "", "", i < 2 ? 0 : 1, i);
    }

    @Test
    void annotatorWritesTheInventoryToTheNodeAndRetriesUntilItExists() throws Exception {
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        server.init();
        try (KubernetesClient client = server.createClient()) {
            List<GpuInventory.Entry> inv = List.of(new GpuInventory.Entry("GPU-a", 0, "H100", 81559, 0, 0, Map.of(1, 18), null),
                    new GpuInventory.Entry("GPU-b", 1, "H100", 81559, 0, 1, Map.of(0, 18), null));
            try (NodeAnnotator a = new NodeAnnotator(client, "gpu-node-1", inv).start()) {
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (a.failures() == 0 && System.nanoTime() < deadline) Thread.sleep(20);
                assertTrue(a.failures() > 0, "the node does not exist yet: the write fails and is retried");
                assertFalse(a.written());
                client.nodes().resource(new NodeBuilder().withNewMetadata().withName("gpu-node-1")
                        .addToAnnotations("keep", "me").endMetadata().build()).create();
                while (!a.written() && System.nanoTime() < deadline) Thread.sleep(20);
                assertTrue(a.written());
            }
            var ann = client.nodes().withName("gpu-node-1").get().getMetadata().getAnnotations();
            assertEquals("me", ann.get("keep"), "other annotations are kept");
            assertEquals(inv, GpuInventory.parse(ann.get(ResourceNames.GPU_INVENTORY_ANNOTATION)));
        } finally {
            server.destroy();
        }
    }
}
