package io.gpufleet.exporter.sim;

import io.gpufleet.contracts.time.ManualClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.exporter.source.ClockEventReason;
import io.gpufleet.exporter.source.GpuEvent;
import io.gpufleet.exporter.source.GpuField;
import io.gpufleet.exporter.source.GpuIdentity;
import io.gpufleet.exporter.source.GpuReading;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class FaultInjectionTest {
    private static final long MIB = 1L << 20;
    private static final Duration NO_WAIT = Duration.ZERO;

    private final ManualClock clock = new ManualClock();
    // sim-node-00: H100 (row remapping, recovery action); sim-node-03: V100 (page retirement);
    // sim-node-05: T4 (no NVLink, no memory temperature)
    private final SimulatedFleet fleet = SimulatedFleet.create(
            SimulationConfig.defaults().withNodes(6).withBackgroundLoad(false), clock);

    private GpuReading read(int node, int gpu) {
        SimulatedNode n = fleet.nodes().get(node);
        return n.read(n.gpus().get(gpu));
    }

    private List<GpuEvent> events(int node) throws InterruptedException {
        return fleet.nodes().get(node).awaitEvents(NO_WAIT);
    }

    private static boolean hasReason(GpuReading r, ClockEventReason reason) {
        return reason.isSet((long) r.value(GpuField.CLOCK_EVENT_REASONS));
    }

    @Test
    void xid79MakesTheGpuLostUntilCleared() throws Exception {
        GpuIdentity id = fleet.nodes().get(0).gpus().get(2);
        fleet.inject("sim-node-00", 2, new Fault.Xid(79));
        List<GpuEvent> ev = events(0);
        assertEquals(2, ev.size());
        assertEquals(GpuEvent.Kind.XID, ev.get(0).kind());
        assertEquals(79, ev.get(0).code());
        assertEquals(2, ev.get(0).gpuIndex());
        assertEquals(id.uuid(), ev.get(0).uuid());
        assertEquals(clock.millis(), ev.get(0).timestampMillis());
        assertEquals(GpuEvent.Kind.GPU_LOST, ev.get(1).kind());

        clock.advance(Duration.ofSeconds(5));
        GpuReading r = read(0, 2);
        assertTrue(r.lost());
        assertEquals("GPU_IS_LOST", r.errors().get(GpuField.GPU_UTILIZATION_RATIO));
        assertFalse(r.has(GpuField.MEMORY_USED_BYTES));
        GpuReading.Builder slow = new GpuReading.Builder(id, clock.millis());
        fleet.nodes().get(0).readSlow(id, slow);
        assertEquals("GPU_IS_LOST", slow.build().errors().get(GpuField.PCIE_TX_BYTES_PER_SECOND));
        assertFalse(read(0, 1).lost(), "neighbours keep answering");
        SimulatedFleetTest.assertField("gpu",
                () -> fleet.startWork("sim-node-00", 2, new Workload("ns", "p", "", 0.5, MIB)));
        assertEquals(1, fleet.faults("sim-node-00").size());

        assertEquals(1, fleet.clear("sim-node-00", 2));
        assertFalse(read(0, 2).lost());
        assertTrue(fleet.faults("sim-node-00").isEmpty());
    }

    @Test
    void fallOffBusRaisesXid79AndGpuLost() throws Exception {
        fleet.inject("sim-node-05", 0, new Fault.FallOffBus());
        List<GpuEvent> ev = events(5);
        assertEquals(List.of(GpuEvent.Kind.XID, GpuEvent.Kind.GPU_LOST), ev.stream().map(GpuEvent::kind).toList());
        assertEquals(79, ev.get(0).code());
        assertTrue(read(5, 0).lost());
    }

    @Test
    void doubleBitEccCountsRemapsRowsOnHopperAndRaisesEvents() throws Exception {
        GpuReading before = read(0, 1);
        fleet.inject("sim-node-00", 1, new Fault.EccDoubleBit());
        List<GpuEvent> ev = events(0);
        assertTrue(ev.stream().anyMatch(e -> e.kind() == GpuEvent.Kind.DOUBLE_BIT_ECC && e.gpuIndex() == 1));
        assertTrue(ev.stream().anyMatch(e -> e.kind() == GpuEvent.Kind.XID && e.code() == 48));
        GpuReading after = read(0, 1);
        assertEquals(before.value(GpuField.ECC_DOUBLE_BIT_VOLATILE_TOTAL) + 1,
                after.value(GpuField.ECC_DOUBLE_BIT_VOLATILE_TOTAL));
        assertEquals(before.value(GpuField.ECC_DOUBLE_BIT_AGGREGATE_TOTAL) + 1,
                after.value(GpuField.ECC_DOUBLE_BIT_AGGREGATE_TOTAL));
        assertEquals(1, after.value(GpuField.REMAPPED_ROWS_UNCORRECTABLE));
        assertEquals(1, after.value(GpuField.ROW_REMAP_PENDING));
        assertEquals(1, after.value(GpuField.RECOVERY_ACTION), "H100 asks for a reset");
        assertEquals("NOT_SUPPORTED", after.errors().get(GpuField.RETIRED_PAGES_DOUBLE_BIT));

        // a reset applies the remap and restarts volatile counters; aggregates stay
        fleet.clear("sim-node-00", 1);
        GpuReading reset = read(0, 1);
        assertEquals(0, reset.value(GpuField.ROW_REMAP_PENDING));
        assertEquals(0, reset.value(GpuField.ECC_DOUBLE_BIT_VOLATILE_TOTAL));
        assertEquals(after.value(GpuField.ECC_DOUBLE_BIT_AGGREGATE_TOTAL),
                reset.value(GpuField.ECC_DOUBLE_BIT_AGGREGATE_TOTAL));
        assertEquals(1, reset.value(GpuField.REMAPPED_ROWS_UNCORRECTABLE));
    }

    @Test
    void doubleBitEccRetiresAPageOnVolta() throws Exception {
        fleet.inject("sim-node-03", 4, new Fault.Xid(48));
        GpuReading r = read(3, 4);
        assertEquals(1, r.value(GpuField.ECC_DOUBLE_BIT_VOLATILE_TOTAL));
        assertEquals(1, r.value(GpuField.RETIRED_PAGES_DOUBLE_BIT));
        assertEquals(1, r.value(GpuField.RETIRED_PAGES_PENDING));
        assertEquals("NOT_SUPPORTED", r.errors().get(GpuField.REMAPPED_ROWS_UNCORRECTABLE));
        assertEquals("NOT_SUPPORTED", r.errors().get(GpuField.RECOVERY_ACTION));
        assertTrue(events(3).stream().anyMatch(e -> e.kind() == GpuEvent.Kind.DOUBLE_BIT_ECC));
    }

    @Test
    void singleBitEccGrowsVolatileAndAggregateCounters() throws Exception {
        GpuReading before = read(1, 0);
        fleet.inject("sim-node-01", 0, new Fault.EccSingleBit(3));
        GpuReading after = read(1, 0);
        assertEquals(3, after.value(GpuField.ECC_SINGLE_BIT_VOLATILE_TOTAL));
        assertEquals(before.value(GpuField.ECC_SINGLE_BIT_AGGREGATE_TOTAL) + 3,
                after.value(GpuField.ECC_SINGLE_BIT_AGGREGATE_TOTAL));
        assertEquals(GpuEvent.Kind.SINGLE_BIT_ECC, events(1).get(0).kind());
    }

    @Test
    void thermalSlowdownHeatsPastSlowdownSetsHwThermalAndEnds() {
        int slowdown = GpuModel.H100_SXM_80GB.slowdownTemperatureCelsius();
        fleet.startWork("sim-node-00", 3, new Workload("ns", "p", "", 0.9, MIB));
        fleet.inject("sim-node-00", 3, new Fault.ThermalSlowdown(Duration.ofMinutes(2)));
        clock.advance(Duration.ofSeconds(90));
        GpuReading hot = read(0, 3);
        assertTrue(hot.value(GpuField.GPU_TEMPERATURE_CELSIUS) >= slowdown,
                "temperature " + hot.value(GpuField.GPU_TEMPERATURE_CELSIUS));
        assertEquals(slowdown, hot.value(GpuField.SLOWDOWN_TEMPERATURE_CELSIUS));
        assertTrue(hasReason(hot, ClockEventReason.HW_THERMAL_SLOWDOWN));
        assertTrue(hasReason(hot, ClockEventReason.HW_SLOWDOWN));
        assertTrue(hot.value(GpuField.SM_CLOCK_HERTZ) <= GpuModel.H100_SXM_80GB.maxSmClockMhz() * 1e6 / 2);
        assertEquals(1, fleet.faults("sim-node-00").size());

        clock.advance(Duration.ofMinutes(5));
        GpuReading cooled = read(0, 3);
        assertTrue(cooled.value(GpuField.GPU_TEMPERATURE_CELSIUS) < slowdown - 5);
        assertFalse(hasReason(cooled, ClockEventReason.HW_THERMAL_SLOWDOWN));
        assertTrue(fleet.faults("sim-node-00").isEmpty(), "a timed fault ends on its own");
    }

    @Test
    void memoryLeakGrowsUsedMemoryLinearlyUpToTheTotal() {
        GpuModel t4 = GpuModel.T4_16GB;
        fleet.startWork("sim-node-05", 2, new Workload("ns", "leaky", "", 0.4, 1024 * MIB));
        double m0 = read(5, 2).value(GpuField.MEMORY_USED_BYTES);
        fleet.inject("sim-node-05", 2, new Fault.MemoryLeak(10 * MIB));
        clock.advance(Duration.ofSeconds(60));
        double m1 = read(5, 2).value(GpuField.MEMORY_USED_BYTES);
        clock.advance(Duration.ofSeconds(60));
        GpuReading r2 = read(5, 2);
        double m2 = r2.value(GpuField.MEMORY_USED_BYTES);
        assertEquals(600 * MIB, m1 - m0, MIB);
        assertEquals(600 * MIB, m2 - m1, MIB);
        assertEquals(1024 * MIB + 1200 * MIB, r2.processes().get(0).usedMemoryBytes(), MIB,
                "the leak shows in the workload's process");
        clock.advance(Duration.ofHours(2));
        GpuReading full = read(5, 2);
        assertEquals(t4.memoryTotalBytes() - t4.memoryReservedBytes(), full.value(GpuField.MEMORY_USED_BYTES));
        assertEquals(0, full.value(GpuField.MEMORY_FREE_BYTES));
        fleet.clear("sim-node-05", 2);
        assertEquals(m0, read(5, 2).value(GpuField.MEMORY_USED_BYTES));
    }

    @Test
    void rowRemapFailureOnAmpereAndRejectedOnVolta() throws Exception {
        fleet.inject("sim-node-01", 6, new Fault.RowRemapFailure());
        assertEquals(1, read(1, 6).value(GpuField.ROW_REMAP_FAILURE));
        List<GpuEvent> ev = events(1);
        assertEquals(64, ev.get(0).code());
        SimulatedFleetTest.assertField("fault", () -> fleet.inject("sim-node-03", 0, new Fault.RowRemapFailure()));
        assertTrue(fleet.faults("sim-node-03").isEmpty());
    }

    @Test
    void powerBrakeSlowsClocksAndCapsPowerForItsDuration() {
        fleet.startWork("sim-node-00", 4, new Workload("ns", "p", "", 1.0, MIB));
        clock.advance(Duration.ofSeconds(30));
        GpuReading busy = read(0, 4);
        fleet.inject("sim-node-00", 4, new Fault.PowerBrake(Duration.ofSeconds(20)));
        clock.advance(Duration.ofSeconds(5));
        GpuReading braked = read(0, 4);
        assertTrue(hasReason(braked, ClockEventReason.HW_POWER_BRAKE_SLOWDOWN));
        assertTrue(braked.value(GpuField.POWER_USAGE_WATTS) < busy.value(GpuField.POWER_USAGE_WATTS) / 2);
        assertTrue(braked.value(GpuField.SM_CLOCK_HERTZ) < busy.value(GpuField.SM_CLOCK_HERTZ) / 2);
        clock.advance(Duration.ofSeconds(30));
        GpuReading after = read(0, 4);
        assertFalse(hasReason(after, ClockEventReason.HW_POWER_BRAKE_SLOWDOWN));
        assertTrue(after.value(GpuField.POWER_USAGE_WATTS) > 600);
    }

    @Test
    void applicationXidIsAnEventOnly() throws Exception {
        fleet.inject("sim-node-02", 7, new Fault.Xid(13));
        List<GpuEvent> ev = events(2);
        assertEquals(List.of(GpuEvent.xid(7, fleet.nodes().get(2).gpus().get(7).uuid(), 13, clock.millis())), ev);
        assertFalse(read(2, 7).lost());
        assertEquals(List.of(), events(2), "events are delivered once");
    }

    @Test
    void unsupportedFieldsAreAbsentWithNotSupported() {
        GpuReading t4 = read(5, 0);
        assertEquals("NOT_SUPPORTED", t4.errors().get(GpuField.MEMORY_TEMPERATURE_CELSIUS));
        assertFalse(t4.has(GpuField.MEMORY_TEMPERATURE_CELSIUS));
        assertEquals("NOT_SUPPORTED", t4.errors().get(GpuField.MIG_MODE));
        assertTrue(t4.nvLinks().isEmpty());
        assertTrue(t4.has(GpuField.RETIRED_PAGES_PENDING));
        GpuReading h100 = read(0, 0);
        assertTrue(h100.has(GpuField.MEMORY_TEMPERATURE_CELSIUS));
        assertTrue(h100.has(GpuField.MIG_MODE));
        assertEquals(5, h100.value(GpuField.PCIE_LINK_GENERATION));
        assertEquals(3, t4.value(GpuField.PCIE_LINK_GENERATION));
        assertEquals(70, t4.value(GpuField.POWER_LIMIT_WATTS));
    }

    @Test
    void awaitEventsBlocksUntilAnEventArrivesOrTheTimeoutPasses() throws Exception {
        SimulatedNode node = fleet.nodes().get(4);
        long t0 = System.nanoTime();
        assertTrue(node.awaitEvents(Duration.ofMillis(150)).isEmpty());
        assertTrue(System.nanoTime() - t0 >= 140_000_000L, "waited the timeout");

        Thread injector = new Thread(() -> {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
            fleet.inject("sim-node-04", 1, new Fault.Xid(31));
        });
        injector.start();
        t0 = System.nanoTime();
        List<GpuEvent> ev = node.awaitEvents(Duration.ofSeconds(10));
        long waited = System.nanoTime() - t0;
        injector.join();
        assertEquals(31, ev.get(0).code());
        assertTrue(waited < 5_000_000_000L, "returned promptly, after " + waited / 1_000_000 + " ms");
    }
}
