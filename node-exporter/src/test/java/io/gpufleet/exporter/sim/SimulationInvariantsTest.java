package io.gpufleet.exporter.sim;

import io.gpufleet.contracts.time.ManualClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.gpufleet.exporter.attribution.PodRef;
import io.gpufleet.exporter.source.GpuField;
import io.gpufleet.exporter.source.GpuIdentity;
import io.gpufleet.exporter.source.GpuReading;
import io.gpufleet.exporter.source.ProcessReading;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Seeded property tests: random sequences of clock steps, work starts and stops and faults (no resets,
 * which legitimately restart volatile counters), checked after every step.
 */
class SimulationInvariantsTest {
    private static final GpuField[] COUNTERS = {GpuField.ENERGY_JOULES_TOTAL, GpuField.ECC_SINGLE_BIT_VOLATILE_TOTAL,
            GpuField.ECC_DOUBLE_BIT_VOLATILE_TOTAL, GpuField.ECC_SINGLE_BIT_AGGREGATE_TOTAL,
            GpuField.ECC_DOUBLE_BIT_AGGREGATE_TOTAL, GpuField.PCIE_REPLAY_TOTAL, GpuField.RETIRED_PAGES_DOUBLE_BIT,
            GpuField.REMAPPED_ROWS_UNCORRECTABLE};

    @Test
    void readingsStayPhysicalOverRandomWorkAndFaultSequences() {
        for (int seed = 0; seed < 60; seed++) {
            try {
                runCase(seed);
            } catch (AssertionError e) {
                throw new AssertionError("case seed " + seed + ": " + e.getMessage(), e);
            }
        }
    }

    private static void runCase(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        ManualClock clock = new ManualClock(1_700_000_000_000L + rnd.nextLong(1_000_000_000L));
        List<GpuModel> models = List.of(GpuModel.values()[rnd.nextInt(GpuModel.values().length)],
                GpuModel.values()[rnd.nextInt(GpuModel.values().length)]);
        SimulationConfig config = SimulationConfig.defaults().withSeed(seed).withNodes(2)
                .withGpusPerNode(1 + rnd.nextInt(8)).withModels(models).withBackgroundLoad(rnd.nextBoolean());
        SimulatedFleet fleet = SimulatedFleet.create(config, clock);
        List<String> running = new ArrayList<>();
        Map<String, double[]> last = new HashMap<>();

        for (int step = 0; step < 150; step++) {
            clock.advanceMillis(rnd.nextInt(4) == 0 ? rnd.nextLong(120_000) : rnd.nextLong(2_000));
            SimulatedNode node = fleet.nodes().get(rnd.nextInt(2));
            int gpu = rnd.nextInt(node.gpus().size());
            int action = rnd.nextInt(10);
            if (action < 4) {
                long mem = (long) (rnd.nextDouble() * node.spec().model().memoryTotalBytes() * 0.7);
                Workload w = new Workload("ns" + rnd.nextInt(3), "pod-" + step, "c", rnd.nextDouble(), mem,
                        mem, rnd.nextInt(1001));
                try {
                    running.add(fleet.startWork(node.node(), gpu, w));
                } catch (InvalidFieldException e) {
                    // full or lost GPUs refuse work; that is part of the behaviour under test
                    assertTrue(e.field().equals("memoryBytes") || e.field().equals("gpu"), e.getMessage());
                }
            } else if (action < 7 && !running.isEmpty()) {
                assertTrue(fleet.stopWork(running.remove(rnd.nextInt(running.size()))));
            } else if (action == 7) {
                fleet.inject(node.node(), gpu, randomFault(rnd, node.spec().model()));
            }
            for (SimulatedNode n : fleet.nodes()) {
                for (GpuIdentity id : n.gpus()) check(n, id, n.read(id), last);
            }
        }
        assertEquals(running.size(), fleet.work().size());
    }

    private static Fault randomFault(SplittableRandom rnd, GpuModel model) {
        return switch (rnd.nextInt(7)) {
            case 0 -> new Fault.Xid(1 + rnd.nextInt(120));
            case 1 -> new Fault.EccDoubleBit();
            case 2 -> new Fault.EccSingleBit(1 + rnd.nextInt(10));
            case 3 -> new Fault.ThermalSlowdown(Duration.ofSeconds(1 + rnd.nextInt(300)));
            case 4 -> new Fault.MemoryLeak(1 + rnd.nextLong(1L << 30));
            case 5 -> model.remapsRows() ? new Fault.RowRemapFailure() : new Fault.EccSingleBit(1);
            default -> new Fault.PowerBrake(Duration.ofSeconds(1 + rnd.nextInt(60)));
        };
    }

    private static void check(SimulatedNode node, GpuIdentity id, GpuReading r, Map<String, double[]> last) {
        if (r.lost()) {
            assertTrue(r.errors().values().stream().allMatch("GPU_IS_LOST"::equals));
            return;
        }
        GpuModel m = node.spec().model();
        double used = r.value(GpuField.MEMORY_USED_BYTES);
        double total = r.value(GpuField.MEMORY_TOTAL_BYTES);
        assertTrue(used >= m.baselineUsedBytes() && used <= total, "memory used " + used + " of " + total);
        assertEquals(total, used + r.value(GpuField.MEMORY_FREE_BYTES) + r.value(GpuField.MEMORY_RESERVED_BYTES));
        double util = r.value(GpuField.GPU_UTILIZATION_RATIO);
        assertTrue(util >= 0 && util <= 1, "util " + util);
        double mutil = r.value(GpuField.MEMORY_UTILIZATION_RATIO);
        assertTrue(mutil >= 0 && mutil <= 1, "memory util " + mutil);
        double power = r.value(GpuField.POWER_USAGE_WATTS);
        assertTrue(power > 0 && power <= r.value(GpuField.POWER_LIMIT_WATTS) * 1.05, "power " + power);
        double temp = r.value(GpuField.GPU_TEMPERATURE_CELSIUS);
        assertTrue(temp > 15 && temp < m.slowdownTemperatureCelsius() + 10, "temperature " + temp);
        double sm = r.value(GpuField.SM_CLOCK_HERTZ);
        assertTrue(sm > 0 && sm <= m.maxSmClockMhz() * 1e6, "sm clock " + sm);
        assertTrue(r.value(GpuField.ECC_SINGLE_BIT_AGGREGATE_TOTAL) >= r.value(GpuField.ECC_SINGLE_BIT_VOLATILE_TOTAL));
        assertTrue(r.value(GpuField.ECC_DOUBLE_BIT_AGGREGATE_TOTAL) >= r.value(GpuField.ECC_DOUBLE_BIT_VOLATILE_TOTAL));
        for (GpuField f : GpuField.values()) {
            if (!r.has(f) && !f.slow()) {
                String why = r.errors().get(f);
                if (why == null) fail(f + " is absent without a reason");
            }
        }
        long procMem = 0;
        for (ProcessReading p : r.processes()) procMem += p.usedMemoryBytes();
        assertTrue(procMem <= used, "processes hold " + procMem + " > used " + used);
        List<PodRef> pods = node.podsFor(id, r.processes());
        assertTrue(pods.size() <= r.processes().size());

        double[] prev = last.get(id.uuid());
        double[] now = new double[COUNTERS.length];
        for (int i = 0; i < COUNTERS.length; i++) {
            now[i] = r.has(COUNTERS[i]) ? r.value(COUNTERS[i]) : 0;
            if (prev != null) assertTrue(now[i] >= prev[i], COUNTERS[i] + " went from " + prev[i] + " to " + now[i]);
        }
        last.put(id.uuid(), now);
    }
}
