package io.gpufleet.exporter.attribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.exporter.source.GpuIdentity;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PodResolversTest {
    private static final long GIB = 1024L * 1024L * 1024L;
    private static final GpuIdentity GPU = new GpuIdentity("n", 0, "GPU-0", "", "", "", -1, -1);

    @Test
    void processesAddUsageToTheAnnotatedPodAndKeepItsShares() {
        var assigned = List.of(new PodRef("ml", "a", "trainer", 20 * GIB, 250, -1));
        var seen = List.of(new PodRef("ml", "a", "trainer", 0, 0, GIB), new PodRef("ml", "a", "sidecar", 0, 0, 2 * GIB));
        assertEquals(List.of(new PodRef("ml", "a", "trainer", 20 * GIB, 250, 3 * GIB)), PodResolvers.merge(assigned, seen));
    }

    @Test
    void anEmptyContainerIsFilledOnlyWhenProcessesNameOne() {
        var assigned = List.of(new PodRef("ml", "a", "", GIB, 1000, -1));
        assertEquals("main", PodResolvers.merge(assigned, List.of(new PodRef("ml", "a", "main", 0, 0, 5))).get(0).container());
        assertEquals("", PodResolvers.merge(assigned, List.of(new PodRef("ml", "a", "x", 0, 0, 5),
                new PodRef("ml", "a", "y", 0, 0, 5))).get(0).container());
    }

    @Test
    void unknownUsageStaysUnknownAndPodsSeenOnlyByProcessesAreAppended() {
        var assigned = List.of(new PodRef("ml", "a", "c", GIB, 500, -1), new PodRef("ml", "b", "c", GIB, 500, -1));
        var seen = List.of(new PodRef("ml", "a", "c", 0, 0, -1), new PodRef("other", "z", "c", 0, 0, 7));
        assertEquals(List.of(new PodRef("ml", "a", "c", GIB, 500, -1), new PodRef("ml", "b", "c", GIB, 500, -1),
                new PodRef("other", "z", "c", 0, 0, 7)), PodResolvers.merge(assigned, seen));
        assertEquals(seen, PodResolvers.merge(List.of(), seen));
        assertEquals(assigned, PodResolvers.merge(assigned, List.of()));
    }

    @Test
    void composeSkipsAFailingResolverAndClosesAll() {
        AtomicInteger closed = new AtomicInteger();
        PodResolver failing = new PodResolver() {
            @Override
            public List<PodRef> podsFor(GpuIdentity gpu, List<io.gpufleet.exporter.source.ProcessReading> p) {
                throw new IllegalStateException("cache broken");
            }

            @Override
            public void close() {
                closed.incrementAndGet();
                throw new IllegalStateException("close broken");
            }
        };
        PodResolver working = new PodResolver() {
            @Override
            public List<PodRef> podsFor(GpuIdentity gpu, List<io.gpufleet.exporter.source.ProcessReading> p) {
                return List.of(new PodRef("ml", "a", "c", 0, 0, 1));
            }

            @Override
            public void close() {
                closed.incrementAndGet();
            }
        };
        PodResolver both = PodResolvers.compose(failing, working, PodResolver.NONE);
        assertEquals(List.of(new PodRef("ml", "a", "c", 0, 0, 1)), both.podsFor(GPU, List.of()));
        both.close();
        assertEquals(2, closed.get());
    }

    /** Seeded random annotation and process answers: the merge keeps every pod, the shares, and sums the usage. */
    @Test
    void mergeInvariantsHoldForRandomAnswers() {
        SplittableRandom rnd = new SplittableRandom(42L);
        for (int round = 0; round < 3000; round++) {
            int pods = 1 + rnd.nextInt(6);
            List<PodRef> assigned = new ArrayList<>();
            for (int p = 0; p < pods; p++) {
                if (rnd.nextBoolean()) {
                    assigned.add(new PodRef("ns", "p" + p, rnd.nextBoolean() ? "c0" : "", 1 + rnd.nextInt(80) * GIB,
                            1 + rnd.nextInt(1000), -1));
                }
            }
            List<PodRef> seen = new ArrayList<>();
            int rows = rnd.nextInt(8);
            for (int r = 0; r < rows; r++) {
                long used = rnd.nextInt(4) == 0 ? -1 : rnd.nextLong(80 * GIB);
                seen.add(new PodRef("ns", "p" + rnd.nextInt(pods + 2), "c" + rnd.nextInt(2), 0, 0, used));
            }
            List<PodRef> out = PodResolvers.merge(assigned, seen);
            String label = "round " + round + ": " + assigned + " + " + seen + " = " + out;

            assertEquals(assigned.size(), out.stream().filter(o -> o.shareCoreMilli() > 0).count(), label);
            for (int i = 0; i < assigned.size(); i++) {
                PodRef a = assigned.get(i);
                PodRef o = out.get(i);
                assertEquals(a.pod(), o.pod(), label);
                assertEquals(a.shareMemoryBytes(), o.shareMemoryBytes(), label);
                assertEquals(a.shareCoreMilli(), o.shareCoreMilli(), label);
                long expected = -1;
                for (PodRef s : seen) {
                    if (s.pod().equals(a.pod()) && s.usedMemoryBytes() >= 0) expected = Math.max(expected, 0) + s.usedMemoryBytes();
                }
                assertEquals(expected, o.usedMemoryBytes(), label);
            }
            Map<String, List<PodRef>> unassigned = new LinkedHashMap<>();
            for (PodRef s : seen) {
                if (assigned.stream().noneMatch(a -> a.pod().equals(s.pod()))) {
                    unassigned.computeIfAbsent(s.pod(), k -> new ArrayList<>()).add(s);
                }
            }
            List<PodRef> tail = out.subList(assigned.size(), out.size());
            assertEquals(unassigned.values().stream().mapToInt(List::size).sum(), tail.size(), label);
            assertTrue(seen.stream().filter(s -> unassigned.containsKey(s.pod())).toList().equals(tail), label);
        }
    }

    @Test
    void composeForwardsStatsPollsAndSourceStats() {
        AtomicInteger polls = new AtomicInteger();
        AttributionStats kube = new AttributionStats(true, true, 0, 2, 1, 0, 0, 0, 0, 0);
        PodResolver informer = new PodResolver() {
            public List<PodRef> podsFor(GpuIdentity gpu, List<io.gpufleet.exporter.source.ProcessReading> p) {
                return List.of();
            }

            public java.util.Optional<AttributionStats> stats() {
                return java.util.Optional.of(kube);
            }
        };
        PodResolver polled = new PodResolver() {
            public List<PodRef> podsFor(GpuIdentity gpu, List<io.gpufleet.exporter.source.ProcessReading> p) {
                return List.of();
            }

            public List<SourceStats> sourceStats() {
                return List.of(new SourceStats("podresources", false, 4, 0));
            }

            public void refresh() {
                if (polls.incrementAndGet() > 0) throw new IllegalStateException("kubelet away");
            }
        };
        PodResolver both = PodResolvers.compose(PodResolver.NONE, polled, informer);
        both.refresh();
        assertEquals(1, polls.get(), "a throwing refresh is contained");
        assertEquals(java.util.Optional.of(kube), both.stats());
        assertEquals(List.of(new SourceStats("podresources", false, 4, 0)), both.sourceStats());
    }
}
