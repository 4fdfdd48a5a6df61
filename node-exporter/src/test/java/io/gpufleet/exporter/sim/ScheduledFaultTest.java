package io.gpufleet.exporter.sim;

import io.gpufleet.contracts.time.ManualClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.exporter.source.GpuEvent;
import io.gpufleet.exporter.source.GpuField;
import io.gpufleet.exporter.source.GpuIdentity;
import io.gpufleet.exporter.source.GpuReading;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScheduledFaultTest {

    @Test
    void parsesEveryFaultType() {
        assertEquals(new ScheduledFault(Duration.ofSeconds(30), "sim-node-03", 2, new Fault.Xid(79)),
                ScheduledFault.parse("30s:sim-node-03:2:xid=79"));
        assertEquals(new Fault.EccDoubleBit(), Fault.parse("ecc_dbe"));
        assertEquals(new Fault.EccSingleBit(1), Fault.parse("ecc_sbe"));
        assertEquals(new Fault.EccSingleBit(7), Fault.parse("ecc_sbe=7"));
        assertEquals(new Fault.ThermalSlowdown(Duration.ofSeconds(90)), Fault.parse("thermal=1m30s"));
        assertEquals(new Fault.ThermalSlowdown(Duration.ofSeconds(60)), Fault.parse("thermal"));
        assertEquals(new Fault.FallOffBus(), Fault.parse("FALL_OFF_BUS"));
        assertEquals(new Fault.MemoryLeak(64L << 20), Fault.parse("memory_leak=64MiB"));
        assertEquals(new Fault.MemoryLeak(4096), Fault.parse("memory_leak=4096"));
        assertEquals(new Fault.RowRemapFailure(), Fault.parse("row_remap_failure"));
        assertEquals(new Fault.PowerBrake(Duration.ofMillis(500)), Fault.parse("power_brake=500ms"));
        assertEquals(Duration.ofHours(1), ScheduledFault.parse("1h:sim-node-00:0:ecc_dbe").at());
    }

    @Test
    void roundTripsThroughItsTextForm() {
        List<ScheduledFault> all = ScheduledFault.parseList(
                "30s:sim-node-03:2:xid=79, 2m:sim-node-00:0:thermal=90s,1h:sim-node-01:7:memory_leak=1048576,"
                        + "250ms:sim-node-02:1:power_brake=30s,0s:sim-node-00:0:ecc_sbe=3,5m:sim-node-00:1:ecc_dbe");
        assertEquals(6, all.size());
        for (ScheduledFault f : all) assertEquals(f, ScheduledFault.parse(f.toSpec()), f.toSpec());
        assertEquals("2m:sim-node-00:0:thermal=90s", all.get(1).toSpec());
        assertTrue(ScheduledFault.parseList("  ").isEmpty());
    }

    @Test
    void errorsSayWhatIsWrong() {
        assertMessage("must have the form", "30s:sim-node-03:xid=79");
        assertMessage("offset '30x'", "30x:sim-node-03:2:xid=79");
        assertMessage("offset '-5s'", "-5s:sim-node-03:2:xid=79");
        assertMessage("gpu 'two'", "30s:sim-node-03:two:xid=79");
        assertMessage("gpu must be >= 0", "30s:sim-node-03:-1:xid=79");
        assertMessage("node is empty", "30s: :1:xid=79");
        assertMessage("unknown fault type 'xyz'", "30s:sim-node-03:2:xyz");
        assertMessage("'abc' is not a whole number", "30s:sim-node-03:2:xid=abc");
        assertMessage("xid needs a value", "30s:sim-node-03:2:xid");
        assertMessage("xid: must be within 1..1023", "30s:sim-node-03:2:xid=0");
        assertMessage("ecc_dbe takes no value", "30s:sim-node-03:2:ecc_dbe=2");
        assertMessage("'soon' is not a duration", "30s:sim-node-03:2:thermal=soon");
        assertMessage("'lots' is not a byte count", "30s:sim-node-03:2:memory_leak=lots");
        assertMessage("count: must be within", "30s:sim-node-03:2:ecc_sbe=0");
    }

    private static void assertMessage(String part, String spec) {
        InvalidFieldException e = assertThrows(InvalidFieldException.class, () -> ScheduledFault.parse(spec));
        assertEquals("faults", e.field());
        assertTrue(e.getMessage().contains(part), e.getMessage());
        assertTrue(e.getMessage().contains(spec.trim()), "quotes the spec: " + e.getMessage());
    }

    @Test
    void scheduledFaultsFireAtTheirOffsetWhateverTheReadCadence() throws Exception {
        ManualClock clock = new ManualClock();
        long start = clock.millis();
        SimulationConfig config = SimulationConfig.defaults().withNodes(4).withBackgroundLoad(false)
                .withFaults(ScheduledFault.parseList("30s:sim-node-03:2:xid=79,45s:sim-node-00:1:ecc_dbe"));
        SimulatedFleet fleet = SimulatedFleet.create(config, clock);
        SimulatedNode n3 = fleet.nodes().get(3);
        GpuIdentity gpu2 = n3.gpus().get(2);

        clock.advance(Duration.ofSeconds(29));
        assertFalse(n3.read(gpu2).lost());
        assertTrue(n3.awaitEvents(Duration.ZERO).isEmpty());
        // nobody looks between 29 s and 100 s: the fault still happened at 30 s
        clock.advance(Duration.ofSeconds(71));
        List<GpuEvent> ev = n3.awaitEvents(Duration.ZERO);
        assertEquals(2, ev.size());
        assertEquals(79, ev.get(0).code());
        assertEquals(start + 30_000, ev.get(0).timestampMillis());
        assertTrue(n3.read(gpu2).lost());
        assertEquals(start + 30_000, fleet.faults("sim-node-03").get(0).sinceMillis());

        GpuReading r = fleet.nodes().get(0).read(fleet.nodes().get(0).gpus().get(1));
        assertEquals(1, r.value(GpuField.ECC_DOUBLE_BIT_AGGREGATE_TOTAL));
    }

    @Test
    void awaitEventsWakesForAScheduledFaultDueDuringTheWait() throws Exception {
        // a real clock: the fault falls due 200 ms into a 5 s wait
        SimulationConfig config = SimulationConfig.defaults().withNodes(1).withBackgroundLoad(false)
                .withFaults(ScheduledFault.parseList("200ms:sim-node-00:0:xid=31"));
        SimulatedFleet fleet = SimulatedFleet.create(config, java.time.Clock.systemUTC());
        long t0 = System.nanoTime();
        List<GpuEvent> ev = fleet.nodes().get(0).awaitEvents(Duration.ofSeconds(5));
        long waitedMs = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(31, ev.get(0).code());
        assertTrue(waitedMs < 2_000, "woke after " + waitedMs + " ms");
    }

    @Test
    void randomFaultsAreSeededAndFollowTheRate() throws Exception {
        List<GpuEvent> a = randomRun(5);
        assertEquals(a, randomRun(5));
        assertTrue(!a.equals(randomRun(6)));
        // 20 faults per node-hour over 4 nodes and 5 hours: 400 expected, each one or two events
        assertTrue(a.size() > 250 && a.size() < 900, a.size() + " events");
    }

    private static List<GpuEvent> randomRun(long seed) throws InterruptedException {
        ManualClock clock = new ManualClock();
        SimulatedFleet fleet = SimulatedFleet.create(SimulationConfig.defaults().withSeed(seed).withNodes(4)
                .withRandomFaultsPerNodeHour(20), clock);
        List<GpuEvent> out = new ArrayList<>();
        for (int minute = 0; minute < 300; minute++) {
            clock.advance(Duration.ofMinutes(1));
            for (SimulatedNode n : fleet.nodes()) out.addAll(n.awaitEvents(Duration.ZERO));
        }
        return out;
    }

    @Test
    void randomLastingFaultsAreRepairedLater() {
        ManualClock clock = new ManualClock();
        SimulatedFleet fleet = SimulatedFleet.create(SimulationConfig.defaults().withSeed(3).withNodes(2)
                .withRandomFaultsPerNodeHour(60), clock);
        int maxLost = 0;
        for (int minute = 0; minute < 600; minute++) {
            clock.advance(Duration.ofMinutes(1));
            int lost = 0;
            for (SimulatedNode n : fleet.nodes()) {
                for (GpuIdentity id : n.gpus()) {
                    if (n.read(id).lost()) lost++;
                }
            }
            maxLost = Math.max(maxLost, lost);
        }
        assertTrue(maxLost >= 1, "some GPU fell off the bus in 10 hours at 60 faults per node-hour");
        assertTrue(maxLost <= 6, "repairs keep the fleet mostly up, at worst " + maxLost + " lost");
    }
}
