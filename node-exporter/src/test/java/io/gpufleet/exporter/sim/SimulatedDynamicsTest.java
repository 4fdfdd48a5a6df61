package io.gpufleet.exporter.sim;

import io.gpufleet.contracts.time.ManualClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.exporter.attribution.PodRef;
import io.gpufleet.exporter.source.ClockEventReason;
import io.gpufleet.exporter.source.GpuField;
import io.gpufleet.exporter.source.GpuIdentity;
import io.gpufleet.exporter.source.GpuReading;
import io.gpufleet.exporter.source.ProcessReading;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimulatedDynamicsTest {
    private static final long GIB = 1L << 30;

    private final ManualClock clock = new ManualClock();
    // node 0 of the default mix: 8x H100 on NVSwitch
    private final SimulatedFleet fleet = SimulatedFleet.create(
            SimulationConfig.defaults().withNodes(2).withBackgroundLoad(false), clock);
    private final SimulatedNode node = fleet.nodes().get(0);
    private final GpuIdentity gpu0 = node.gpus().get(0);

    private GpuReading read() {
        return node.read(gpu0);
    }

    @Test
    void idleGpuShowsNoUtilisationBaselineMemoryAndIdleClocks() {
        clock.advance(Duration.ofMinutes(5));
        GpuReading r = read();
        GpuModel m = GpuModel.H100_SXM_80GB;
        assertFalse(r.lost());
        assertEquals(0, r.value(GpuField.GPU_UTILIZATION_RATIO));
        assertEquals(m.baselineUsedBytes(), r.value(GpuField.MEMORY_USED_BYTES));
        assertEquals(m.memoryTotalBytes(), r.value(GpuField.MEMORY_TOTAL_BYTES));
        assertEquals(m.memoryTotalBytes() - m.memoryReservedBytes() - m.baselineUsedBytes(),
                r.value(GpuField.MEMORY_FREE_BYTES));
        assertTrue(r.value(GpuField.POWER_USAGE_WATTS) < 80, "idle power " + r.value(GpuField.POWER_USAGE_WATTS));
        assertTrue(r.value(GpuField.GPU_TEMPERATURE_CELSIUS) < 45);
        assertTrue(ClockEventReason.GPU_IDLE.isSet((long) r.value(GpuField.CLOCK_EVENT_REASONS)));
        assertEquals(m.idleSmClockMhz() * 1e6, r.value(GpuField.SM_CLOCK_HERTZ));
        assertEquals(8, r.value(GpuField.PSTATE));
        assertTrue(r.processes().isEmpty());
        assertTrue(node.podsFor(gpu0, r.processes()).isEmpty());
    }

    @Test
    void workloadRaisesUtilisationMemoryPowerAndTemperatureAndStoppingRelaxesThem() {
        clock.advance(Duration.ofMinutes(1));
        GpuReading idle = read();
        String id = fleet.startWork("sim-node-00", 0,
                new Workload("research", "llm-0", "trainer", 0.9, 40 * GIB, 40 * GIB, 1000));
        clock.advance(Duration.ofMinutes(3));
        GpuReading busy = read();
        double util = busy.value(GpuField.GPU_UTILIZATION_RATIO);
        assertTrue(util >= 0.85 && util <= 0.95, "util " + util);
        assertEquals(GpuModel.H100_SXM_80GB.baselineUsedBytes() + 40 * GIB, busy.value(GpuField.MEMORY_USED_BYTES));
        assertTrue(busy.value(GpuField.POWER_USAGE_WATTS) > 550, "power " + busy.value(GpuField.POWER_USAGE_WATTS));
        assertTrue(busy.value(GpuField.GPU_TEMPERATURE_CELSIUS) > idle.value(GpuField.GPU_TEMPERATURE_CELSIUS) + 20);
        assertTrue(busy.value(GpuField.GPU_TEMPERATURE_CELSIUS) < GpuModel.H100_SXM_80GB.slowdownTemperatureCelsius());
        assertEquals(GpuModel.H100_SXM_80GB.maxSmClockMhz() * 1e6, busy.value(GpuField.SM_CLOCK_HERTZ));
        assertFalse(ClockEventReason.GPU_IDLE.isSet((long) busy.value(GpuField.CLOCK_EVENT_REASONS)));
        assertEquals(0, busy.value(GpuField.PSTATE));

        // one process per workload, attributed to its pod with its shares and used memory
        assertEquals(1, busy.processes().size());
        ProcessReading p = busy.processes().get(0);
        assertEquals(40 * GIB, p.usedMemoryBytes());
        List<PodRef> pods = node.podsFor(gpu0, busy.processes());
        assertEquals(List.of(new PodRef("research", "llm-0", "trainer", 40 * GIB, 1000, 40 * GIB)), pods);
        assertEquals(p.pid(), fleet.running(id).orElseThrow().pid());

        // the temperature lags: a second after the stop it is still warm
        assertTrue(fleet.stopWork(id));
        assertFalse(fleet.stopWork(id), "stopping twice");
        clock.advance(Duration.ofSeconds(1));
        GpuReading justStopped = read();
        assertEquals(0, justStopped.value(GpuField.GPU_UTILIZATION_RATIO));
        assertTrue(justStopped.value(GpuField.GPU_TEMPERATURE_CELSIUS)
                > busy.value(GpuField.GPU_TEMPERATURE_CELSIUS) - 5);
        clock.advance(Duration.ofMinutes(5));
        GpuReading relaxed = read();
        assertEquals(idle.value(GpuField.MEMORY_USED_BYTES), relaxed.value(GpuField.MEMORY_USED_BYTES));
        assertTrue(Math.abs(relaxed.value(GpuField.GPU_TEMPERATURE_CELSIUS)
                - idle.value(GpuField.GPU_TEMPERATURE_CELSIUS)) <= 1);
        assertTrue(relaxed.value(GpuField.POWER_USAGE_WATTS) < 80);
        assertTrue(relaxed.processes().isEmpty());
        assertTrue(node.podsFor(gpu0, relaxed.processes()).isEmpty());
    }

    @Test
    void utilisationOfSharedWorkAddsUpAndIsCappedAtOne() {
        fleet.startWork("sim-node-00", 1, new Workload("a", "p1", "c", 0.3, GIB));
        fleet.startWork("sim-node-00", 1, new Workload("b", "p2", "c", 0.2, 2 * GIB));
        clock.advance(Duration.ofSeconds(10));
        GpuReading r = node.read(node.gpus().get(1));
        assertEquals(0.5, r.value(GpuField.GPU_UTILIZATION_RATIO), 0.031);
        assertEquals(2, r.processes().size());
        assertEquals(2, node.podsFor(node.gpus().get(1), r.processes()).size());
        fleet.startWork("sim-node-00", 1, new Workload("c", "p3", "c", 0.9, GIB));
        clock.advance(Duration.ofSeconds(10));
        r = node.read(node.gpus().get(1));
        assertTrue(r.value(GpuField.GPU_UTILIZATION_RATIO) <= 1.0);
        assertTrue(r.value(GpuField.GPU_UTILIZATION_RATIO) >= 0.97);
        // at full load the H100 sits at its power cap
        assertTrue(r.value(GpuField.POWER_USAGE_WATTS) <= 700);
        assertEquals(3, fleet.work("sim-node-00").size());
    }

    @Test
    void energyIntegratesPowerAndNeverDecreases() {
        double last = read().value(GpuField.ENERGY_JOULES_TOTAL);
        double start = last;
        String id = null;
        for (int s = 0; s < 600; s++) {
            if (s == 100) id = fleet.startWork("sim-node-00", 0, new Workload("ns", "p", "", 1.0, GIB));
            if (s == 400) fleet.stopWork(id);
            clock.advanceMillis(500);
            double e = read().value(GpuField.ENERGY_JOULES_TOTAL);
            assertTrue(e >= last, "energy went from " + last + " to " + e);
            last = e;
        }
        // 150 s at ~700 W and 150 s at ~70 W: roughly 115 kJ
        double spent = last - start;
        assertTrue(spent > 95_000 && spent < 130_000, "spent " + spent);
    }

    @Test
    void pcieThroughputFollowsUtilisation() {
        GpuReading.Builder idle = new GpuReading.Builder(gpu0, clock.millis());
        node.readSlow(gpu0, idle);
        fleet.startWork("sim-node-00", 0, new Workload("ns", "p", "", 0.8, GIB));
        clock.advance(Duration.ofSeconds(5));
        GpuReading.Builder busy = new GpuReading.Builder(gpu0, clock.millis());
        node.readSlow(gpu0, busy);
        double idleTx = idle.build().value(GpuField.PCIE_TX_BYTES_PER_SECOND);
        double busyTx = busy.build().value(GpuField.PCIE_TX_BYTES_PER_SECOND);
        double busyRx = busy.build().value(GpuField.PCIE_RX_BYTES_PER_SECOND);
        assertTrue(busyTx > 10 * idleTx, idleTx + " -> " + busyTx);
        assertTrue(busyRx <= GpuModel.H100_SXM_80GB.pcieBytesPerSecond());
        assertFalse(read().has(GpuField.PCIE_TX_BYTES_PER_SECOND), "slow fields stay off the fast path");
    }

    @Test
    void backgroundLoadMakesAnIdleFleetLookAlive() {
        ManualClock c = new ManualClock();
        SimulatedFleet bg = SimulatedFleet.create(SimulationConfig.defaults().withNodes(4), c);
        c.advance(Duration.ofMinutes(2));
        int busy = 0;
        int total = 0;
        for (SimulatedNode n : bg.nodes()) {
            for (GpuIdentity id : n.gpus()) {
                GpuReading r = n.read(id);
                total++;
                if (r.value(GpuField.GPU_UTILIZATION_RATIO) > 0.02) {
                    busy++;
                    assertEquals(1, r.processes().size(), "background load shows as a process");
                    assertTrue(n.podsFor(id, r.processes()).isEmpty(), "but belongs to no pod");
                }
            }
        }
        assertTrue(busy > total / 3 && busy < total, busy + " of " + total + " GPUs busy");
        // a workload displaces the background load
        bg.startWork("sim-node-00", 0, new Workload("ns", "p", "", 0.0, 0));
        c.advance(Duration.ofSeconds(1));
        GpuReading r = bg.nodes().get(0).read(bg.nodes().get(0).gpus().get(0));
        assertEquals(0, r.value(GpuField.GPU_UTILIZATION_RATIO));
    }

    @Test
    void badWorkIsRejectedNamingTheFieldAndChangesNothing() {
        fleet.startWork("sim-node-00", 0, new Workload("ns", "first", "", 0.5, 60 * GIB));
        clock.advance(Duration.ofSeconds(1));
        GpuReading before = read();
        SimulatedFleetTest.assertField("node", () -> fleet.startWork("sim-node-99", 0, new Workload("ns", "p", "", 0.1, 1)));
        SimulatedFleetTest.assertField("gpu", () -> fleet.startWork("sim-node-00", 8, new Workload("ns", "p", "", 0.1, 1)));
        SimulatedFleetTest.assertField("gpu", () -> fleet.startWork("sim-node-00", -1, new Workload("ns", "p", "", 0.1, 1)));
        SimulatedFleetTest.assertField("memoryBytes",
                () -> fleet.startWork("sim-node-00", 0, new Workload("ns", "p", "", 0.1, 30 * GIB)));
        SimulatedFleetTest.assertField("utilization", () -> new Workload("ns", "p", "", 1.01, 1));
        SimulatedFleetTest.assertField("utilization", () -> new Workload("ns", "p", "", Double.NaN, 1));
        SimulatedFleetTest.assertField("memoryBytes", () -> new Workload("ns", "p", "", 0.5, -1));
        SimulatedFleetTest.assertField("pod", () -> new Workload("ns", " ", "", 0.5, 1));
        SimulatedFleetTest.assertField("shareCoreMilli", () -> new Workload("ns", "p", "", 0.5, 1, 0, 1001));
        assertThrows(IllegalArgumentException.class, () -> fleet.startWork("sim-node-00", 0, null));
        assertEquals(before, read());
        assertEquals(1, fleet.work().size());
        // the rejected calls consumed no id
        assertEquals("work-2", fleet.startWork("sim-node-00", 1, new Workload("ns", "second", "", 0.5, GIB)));
    }
}
