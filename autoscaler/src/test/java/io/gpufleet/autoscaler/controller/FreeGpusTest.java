package io.gpufleet.autoscaler.controller;

import io.gpufleet.autoscaler.policy.ScalingPolicy.Spot;
import io.gpufleet.autoscaler.policy.ScalingPolicy.SpotPreference;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FreeGpusTest {
    static final Spot PREFER = new Spot(SpotPreference.Prefer, true, 0);
    static final Spot REQUIRE = new Spot(SpotPreference.Require, false, 0);
    static final Spot NEVER = Spot.none();

    @Test
    void replicasAreWholePerNodeAndSpotFirstWhenPreferred() {
        FreeGpus f = new FreeGpus(List.of(new FreeGpus.Node("od", 8, false), new FreeGpus.Node("s1", 3, true), new FreeGpus.Node("s2", 2, true)));
        FreeGpus.Placement p = f.place(2, 3, PREFER, Set.of());
        assertEquals(2, p.onSpot(), "one 2-GPU replica on each spot node (3 free on s1 hold only one)");
        assertEquals(1, p.onDemand());
        assertEquals(13 - 6, p.remaining().total());
        assertEquals(0, f.place(2, 3, REQUIRE, Set.of("s1", "s2")).total(), "spot only, and both spot nodes are being reclaimed");
        assertEquals(new FreeGpus.Placement(0, 4, f.place(2, 4, NEVER, Set.of()).remaining()), f.place(2, 4, NEVER, Set.of()));
        assertEquals(0, f.place(2, 5, NEVER, Set.of()).onSpot());
        assertEquals(4, f.place(2, 5, NEVER, Set.of()).onDemand());
        assertEquals(7, f.place(0, 7, PREFER, Set.of()).total(), "replicas without GPUs are not limited");
    }

    /** Seeded random fleets: never more than free, excluded nodes untouched, preference respected, nothing left that fits. */
    @Test
    void placementInvariantsOnRandomFleets() {
        Random rnd = new Random(7);
        List<Spot> spots = List.of(PREFER, REQUIRE, NEVER, new Spot(SpotPreference.Prefer, false, 0));
        for (int c = 0; c < 3000; c++) {
            List<FreeGpus.Node> nodes = new ArrayList<>();
            int n = rnd.nextInt(8);
            for (int i = 0; i < n; i++) nodes.add(new FreeGpus.Node("n" + i, rnd.nextInt(9), rnd.nextBoolean()));
            Set<String> excluded = new HashSet<>();
            for (FreeGpus.Node x : nodes) if (rnd.nextInt(5) == 0) excluded.add(x.name());
            FreeGpus f = new FreeGpus(nodes);
            int g = 1 + rnd.nextInt(4);
            int wanted = rnd.nextInt(12);
            Spot spot = spots.get(rnd.nextInt(spots.size()));
            FreeGpus.Placement p = f.place(g, wanted, spot, excluded);
            String ctx = "case " + c + " " + nodes + " g=" + g + " wanted=" + wanted + " " + spot + " excluded=" + excluded;
            assertTrue(p.total() <= wanted, ctx);
            assertEquals(f.total() - p.total() * g, p.remaining().total(), ctx);
            int spotUsed = 0;
            for (int i = 0; i < n; i++) {
                FreeGpus.Node before = nodes.get(i);
                FreeGpus.Node after = p.remaining().nodes().get(i);
                assertTrue(after.gpusFree() >= 0 && (before.gpusFree() - after.gpusFree()) % g == 0, ctx);
                if (excluded.contains(before.name())) assertEquals(before, after, ctx);
                if (before.spot()) spotUsed += (before.gpusFree() - after.gpusFree()) / g;
            }
            assertEquals(p.onSpot(), spotUsed, ctx);
            if (spot.preference() == SpotPreference.Never) assertEquals(0, p.onSpot(), ctx);
            if (spot.preference() == SpotPreference.Require || !spot.fallbackToOnDemand() && spot.preference() != SpotPreference.Never) {
                assertEquals(0, p.onDemand(), ctx);
            }
            boolean spotRoomLeft = p.remaining().nodes().stream().anyMatch(x -> x.spot() && !excluded.contains(x.name()) && x.gpusFree() >= g);
            if (spot.preference() == SpotPreference.Prefer && p.onDemand() > 0) assertTrue(!spotRoomLeft, "on-demand only when spot is full: " + ctx);
            if (p.total() < wanted) {
                boolean allowedRoomLeft = p.remaining().nodes().stream().anyMatch(x -> !excluded.contains(x.name()) && x.gpusFree() >= g
                        && (x.spot() ? spot.preference() != SpotPreference.Never
                        : spot.preference() == SpotPreference.Never || spot.fallbackToOnDemand()));
                assertTrue(!allowedRoomLeft, "nothing placeable left behind: " + ctx);
            }
        }
    }

    @Test
    void capacityPlanCountsWaitingPodsFirstAndNeverRemovesReplicas() {
        FreeGpus f = new FreeGpus(List.of(new FreeGpus.Node("od", 3, false)));
        CapacityPlan p = CapacityPlan.of(4, 8, 1, 1, NEVER, Optional.of(f), Set.of());
        assertEquals(6, p.desired(), "3 free: one for the waiting pod, two new");
        assertEquals(2, p.unplaceable());
        assertEquals(0, p.remaining().orElseThrow().total());
        CapacityPlan down = CapacityPlan.of(4, 2, 3, 1, NEVER, Optional.of(f), Set.of());
        assertEquals(2, down.desired(), "a scale-down is never capped");
        assertEquals(0, down.unplaceable(), "the three waiting pods fit");
        assertEquals(9, CapacityPlan.of(4, 9, 0, 1, NEVER, Optional.empty(), Set.of()).desired(), "capacity unknown: not capped");
        CapacityPlan stuck = CapacityPlan.of(4, 4, 5, 1, NEVER, Optional.of(f), Set.of());
        assertEquals(4, stuck.desired());
        assertEquals(2, stuck.unplaceable(), "two waiting pods fit nowhere");

        Random rnd = new Random(11);
        for (int c = 0; c < 2000; c++) {
            int current = rnd.nextInt(10);
            int wanted = rnd.nextInt(14);
            int waiting = rnd.nextInt(Math.max(1, current + 1));
            int g = 1 + rnd.nextInt(3);
            FreeGpus fr = new FreeGpus(List.of(new FreeGpus.Node("a", rnd.nextInt(9), false), new FreeGpus.Node("b", rnd.nextInt(9), true)));
            CapacityPlan cp = CapacityPlan.of(current, wanted, waiting, g, PREFER, Optional.of(fr), Set.of());
            String ctx = "case " + c + " current=" + current + " wanted=" + wanted + " waiting=" + waiting + " g=" + g + " " + fr;
            if (wanted <= current) assertEquals(wanted, cp.desired(), ctx);
            else assertTrue(cp.desired() >= current && cp.desired() <= wanted, ctx);
            int created = Math.max(0, cp.desired() - current);
            assertEquals(created, cp.onSpot() + cp.onDemand(), ctx);
            int used = fr.total() - cp.remaining().orElseThrow().total();
            assertEquals(0, used % g, ctx);
            assertTrue(used / g >= created && used / g - created <= waiting, "GPUs taken = new replicas + waiting pods placed: " + ctx);
            if (cp.unplaceable() == 0 && wanted > current) assertEquals(wanted, cp.desired(), ctx);
        }
    }
}
