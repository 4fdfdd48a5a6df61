package io.gpufleet.scheduler.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.contracts.GpuFault;
import io.gpufleet.contracts.GpuFault.Kind;
import io.gpufleet.contracts.GpuFault.Severity;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Fault → health bookkeeping without Kafka: which faults take GPUs out, when they come back, replays. */
class FaultHealthBookTest {
    private static final Function<String, List<Integer>> EIGHT = n -> List.of(0, 1, 2, 3, 4, 5, 6, 7);

    private static GpuFault active(Kind kind, String node, int gpu, long start) {
        return GpuFault.active(kind, Severity.CRITICAL, node, gpu, "", "", "", "test", "", start);
    }

    @Test
    void outOfServiceFaultMarksTheGpuAndItsResolutionReturnsIt() {
        FaultHealthBook b = new FaultHealthBook();
        GpuFault f = active(Kind.ECC_DOUBLE_BIT, "n1", 3, 100);
        assertEquals(List.of(new FaultHealthBook.Change("n1", 3, false, f.id())), b.apply(f, EIGHT));
        assertEquals(Set.of(f.id()), b.activeFaults("n1", 3));
        assertEquals(List.of(), b.apply(f, EIGHT), "the same fault again (replay) changes nothing");
        assertEquals(List.of(new FaultHealthBook.Change("n1", 3, true, f.id())), b.apply(f.resolve(200, "cleared"), EIGHT));
        assertEquals(Set.of(), b.activeFaults("n1", 3));
        assertEquals(List.of(), b.apply(f.resolve(200, "cleared"), EIGHT), "resolving twice changes nothing");
    }

    @Test
    void gpuReturnsOnlyWhenEveryFaultThatTookItOutIsResolved() {
        FaultHealthBook b = new FaultHealthBook();
        GpuFault xid = active(Kind.XID_RESET_GPU, "n1", 2, 100);
        GpuFault remap = active(Kind.ROW_REMAP_FAILURE, "n1", 2, 150);
        assertEquals(1, b.apply(xid, EIGHT).size());
        assertEquals(List.of(), b.apply(remap, EIGHT), "already out: no second transition");
        assertEquals(List.of(), b.apply(xid.resolve(300, "reset"), EIGHT), "the remap failure still holds it");
        assertEquals(Set.of(remap.id()), b.activeFaults("n1", 2));
        assertEquals(List.of(new FaultHealthBook.GpuKey("n1", 2)), b.gpusOf(remap.id()));
        assertEquals(List.of(), b.gpusOf(xid.id()), "resolved: holds nothing");
        assertEquals(List.of(new FaultHealthBook.Change("n1", 2, true, remap.id())), b.apply(remap.resolve(400, "replaced"), EIGHT));
    }

    @Test
    void wholeNodeFaultsTakeEveryGpuOfTheNode() {
        FaultHealthBook b = new FaultHealthBook();
        List<FaultHealthBook.Change> out = b.apply(active(Kind.XID_REBOOT_NODE, "n2", -1, 10), EIGHT);
        assertEquals(8, out.size());
        assertTrue(out.stream().noneMatch(FaultHealthBook.Change::healthy));
        // unreachable names a GPU index of -1 in practice, but takes the whole node whatever it says
        GpuFault unreachable = active(Kind.NODE_UNREACHABLE, "n3", 0, 10);
        assertEquals(8, b.apply(unreachable, EIGHT).size());
        assertEquals(16, b.unhealthyGpus().size());
        // resolution frees exactly the GPUs it took, even if the node now reports fewer
        assertEquals(8, b.apply(unreachable.resolve(20, "back"), n -> List.of(0)).size());
        // an unknown node has no GPUs to take
        assertEquals(List.of(), b.apply(active(Kind.NODE_UNREACHABLE, "ghost", -1, 10), n -> List.of()));
    }

    @Test
    void wholeNodeFaultOfANodeNotYetKnownTakesItsGpusWhenItShowsThem() {
        FaultHealthBook b = new FaultHealthBook();
        GpuFault f = active(Kind.XID_REBOOT_NODE, "late", -1, 10);
        assertEquals(List.of(), b.apply(f, n -> List.of()));
        assertEquals(Set.of("late"), b.faultyNodes());
        assertEquals(4, b.expandNode("late", List.of(0, 1, 2, 3)).size());
        assertEquals(List.of(), b.expandNode("late", List.of(0, 1, 2, 3)), "already covered");
        assertEquals(Set.of(f.id()), b.activeFaults("late", 2));
        assertEquals(4, b.apply(f.resolve(20, "rebooted"), EIGHT).stream().filter(FaultHealthBook.Change::healthy).count());
        assertEquals(Set.of(), b.faultyNodes());
        assertEquals(List.of(), b.expandNode("late", List.of(0, 1, 2, 3)), "resolved: nothing to expand");
    }

    @Test
    void faultsThatLeaveTheGpuUsableChangeNothing() {
        FaultHealthBook b = new FaultHealthBook();
        for (Kind k : List.of(Kind.XID_APPLICATION, Kind.XID_UNKNOWN, Kind.THERMAL_SLOWDOWN, Kind.POWER_SLOWDOWN,
                Kind.MEMORY_OVER_SHARE, Kind.ALLOCATED_IDLE)) {
            assertEquals(List.of(), b.apply(active(k, "n1", 1, 5), EIGHT), k.name());
            assertEquals(List.of(), b.apply(active(k, "n1", -1, 6), EIGHT), k.name());
        }
        assertEquals(List.of(), b.unhealthyGpus());
        assertEquals(0, b.activeFaultCount());
    }

    /**
     * Property: after any sequence of (possibly repeated, reordered) active/resolved faults, a GPU is out exactly
     * when some active out-of-service fault covers it, and the emitted transitions replayed onto a health map
     * give the same answer.
     */
    @Test
    void healthMatchesTheActiveFaultsForRandomSequences() {
        Kind[] kinds = Kind.values();
        for (long seed = 1; seed <= 300; seed++) {
            SplittableRandom rnd = new SplittableRandom(seed);
            FaultHealthBook b = new FaultHealthBook();
            Map<String, GpuFault> pool = new HashMap<>();
            Set<String> active = new HashSet<>();
            Set<FaultHealthBook.GpuKey> down = new HashSet<>();
            List<String> nodes = List.of("a", "b", "c");
            Function<String, List<Integer>> four = n -> List.of(0, 1, 2, 3);
            for (int step = 0; step < 200; step++) {
                GpuFault f;
                if (pool.isEmpty() || rnd.nextInt(3) > 0) {
                    f = active(kinds[rnd.nextInt(kinds.length)], nodes.get(rnd.nextInt(3)), rnd.nextInt(5) - 1, rnd.nextInt(50));
                    pool.put(f.id(), f);
                } else {
                    List<GpuFault> all = new ArrayList<>(pool.values());
                    all.sort((x, y) -> x.id().compareTo(y.id()));
                    GpuFault pick = all.get(rnd.nextInt(all.size()));
                    f = rnd.nextInt(4) == 0 ? pick : pick.resolve(100, "ok");
                }
                if (f.isActive()) {
                    active.add(f.id());
                } else {
                    active.remove(f.id());
                    pool.remove(f.id());
                }
                for (FaultHealthBook.Change c : b.apply(f, four)) {
                    FaultHealthBook.GpuKey k = new FaultHealthBook.GpuKey(c.node(), c.gpu());
                    assertEquals(c.healthy(), down.contains(k), "seed " + seed + ": a transition must change state");
                    if (c.healthy()) down.remove(k); else down.add(k);
                }
                Set<FaultHealthBook.GpuKey> expected = new HashSet<>();
                for (String id : active) {
                    GpuFault a = pool.get(id);
                    if (!FaultHealthBook.OUT_OF_SERVICE.contains(a.kind())) continue;
                    if (a.gpu() == -1 || a.kind() == Kind.NODE_UNREACHABLE) {
                        for (int i = 0; i < 4; i++) expected.add(new FaultHealthBook.GpuKey(a.node(), i));
                    } else {
                        expected.add(new FaultHealthBook.GpuKey(a.node(), a.gpu()));
                    }
                }
                assertEquals(expected, down, "seed " + seed + " step " + step);
                assertEquals(expected, new HashSet<>(b.unhealthyGpus()), "seed " + seed + " step " + step);
            }
        }
    }
}
