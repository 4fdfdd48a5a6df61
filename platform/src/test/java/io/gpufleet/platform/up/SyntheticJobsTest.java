package io.gpufleet.platform.up;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.analytics.quota.WorkloadNames;
import io.gpufleet.scheduler.api.JobSpec;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The synthetic job stream of {@code fleet up}: valid jobs, every kind, per-user names, seeded. */
class SyntheticJobsTest {

    @Test
    void everyJobOfManySeedsIsAValidJobWhosePodsNameTheirUser() {
        SplittableRandom seeds = new SplittableRandom(7);
        for (int c = 0; c < 40; c++) {
            long seed = seeds.nextLong();
            long min = 1 + seeds.nextInt(60), max = min + seeds.nextInt(120);
            SyntheticJobs jobs = new SyntheticJobs(seed, Duration.ofSeconds(min), Duration.ofSeconds(max));
            Set<String> names = new HashSet<>();
            for (int i = 0; i < 200; i++) {
                SyntheticJobs.Plan p = jobs.next();
                JobSpec spec = p.spec();
                spec.validate();
                assertTrue(names.add(spec.name()), "job names are unique: " + spec.name());
                assertTrue(SyntheticJobs.USERS.get(spec.namespace()).contains(p.user()), p.toString());
                assertTrue(spec.name().startsWith(p.user() + "-"), spec.name());
                assertTrue(p.runTime().compareTo(Duration.ofSeconds(min)) >= 0 && p.runTime().compareTo(Duration.ofSeconds(max)) <= 0,
                        "run time " + p.runTime() + " outside " + min + ".." + max);
                for (int r = 0; r < spec.replicaCount(); r++) {
                    // the analytics job takes the owner from the pod name: it must be the user
                    assertEquals(p.user(), WorkloadNames.of(p.workloadName(r)), p.workloadName(r));
                }
                assertTrue(p.load().utilization() >= 0 && p.load().utilization() <= 1, p.toString());
                assertTrue(p.load().memoryFraction() > 0 && p.load().memoryFraction() < 1.5, p.toString());
                if (p.kind() == SyntheticJobs.Kind.GANG) {
                    assertEquals(spec.replicaCount(), spec.gang().minMember(), "a gang is all or nothing");
                }
                if (p.kind() == SyntheticJobs.Kind.SHARING) {
                    assertTrue(spec.resources().containsKey("gpufleet.io/gpu-memory"), spec.toString());
                }
            }
        }
    }

    @Test
    void theOpeningTourShowsEveryKindAndBothMisbehavioursInTeamA() {
        SyntheticJobs jobs = new SyntheticJobs(42, Duration.ofSeconds(10), Duration.ofSeconds(20));
        Set<SyntheticJobs.Kind> kinds = java.util.EnumSet.noneOf(SyntheticJobs.Kind.class);
        boolean overShare = false, idle = false;
        for (int i = 0; i < SyntheticJobs.tourLength(); i++) {
            SyntheticJobs.Plan p = jobs.next();
            kinds.add(p.kind());
            if (p.spec().namespace().equals("team-a") && p.kind() == SyntheticJobs.Kind.SHARING && p.load().memoryFraction() > 1) overShare = true;
            if (p.spec().namespace().equals("team-a") && p.kind() == SyntheticJobs.Kind.WHOLE_GPU && p.load().utilization() == 0) idle = true;
        }
        assertEquals(Set.of(SyntheticJobs.Kind.values()), kinds);
        assertTrue(overShare, "a pod over its memory share");
        assertTrue(idle, "an idle allocation");
    }

    @Test
    void kindsAndGroupsFollowTheirProportionsAfterTheTour() {
        SyntheticJobs jobs = new SyntheticJobs(3, Duration.ofSeconds(10), Duration.ofSeconds(20));
        for (int i = 0; i < SyntheticJobs.tourLength(); i++) jobs.next();
        Map<SyntheticJobs.Kind, Integer> kinds = new EnumMap<>(SyntheticJobs.Kind.class);
        Map<String, Integer> users = new java.util.HashMap<>();
        int n = 5000;
        for (int i = 0; i < n; i++) {
            SyntheticJobs.Plan p = jobs.next();
            kinds.merge(p.kind(), 1, Integer::sum);
            users.merge(p.user(), 1, Integer::sum);
        }
        for (SyntheticJobs.Kind k : SyntheticJobs.Kind.values()) {
            double share = kinds.getOrDefault(k, 0) / (double) n;
            assertTrue(Math.abs(share - k.weight) < 0.03, k + ": " + share + " vs " + k.weight);
        }
        assertEquals(5, users.size(), "every user submits: " + users);
    }

    @Test
    void theSameSeedGivesTheSameJobsAndAnotherSeedOthers() {
        List<String> a = stream(11), b = stream(11), c = stream(12);
        assertEquals(a, b);
        assertNotEquals(a, c);
    }

    private static List<String> stream(long seed) {
        SyntheticJobs jobs = new SyntheticJobs(seed, Duration.ofSeconds(5), Duration.ofSeconds(50));
        return java.util.stream.IntStream.range(0, 50).mapToObj(i -> jobs.next().toString()).toList();
    }

    @Test
    void badRunTimesAreRefusedAndNameCodesAreFiveCharacters() {
        assertThrows(IllegalArgumentException.class, () -> new SyntheticJobs(1, Duration.ZERO, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> new SyntheticJobs(1, Duration.ofSeconds(5), Duration.ofSeconds(4)));
        assertEquals("j0000", SyntheticJobs.code(0, 'j'));
        assertEquals("p00zz", SyntheticJobs.code(36 * 36 - 1, 'p'));
        assertEquals(5, SyntheticJobs.code(Long.MAX_VALUE, 'j').length());
    }
}
