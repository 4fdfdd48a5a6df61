package io.gpufleet.scheduler.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.scheduler.TestClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Seeded random streams of API operations (submits of every job shape, valid and invalid; deletes; what-ifs;
 * quota edits; GPU faults; time passing) against the service. After every step: a refused request or a what-if
 * changed nothing; the GPUs the nodes report allocated equal the GPUs the bound pods hold; no GPU is over-committed;
 * a user never sees another namespace's job.
 */
class ServicePropertiesTest {
    static final Principal ADMIN = new Principal("root", Set.of(), true);
    static final Principal A = new Principal("alice", Set.of("team-a"), false);
    static final Principal B = new Principal("bob", Set.of("team-b"), false);

    @Test
    void randomOperationStreamsKeepTheInvariants() {
        int steps = 0;
        for (long seed = 1; seed <= 40; seed++) {
            SplittableRandom rnd = new SplittableRandom(seed);
            TestClock clock = new TestClock();
            ServerConfig c = ServerConfig.defaults();
            SchedulerService svc = SchedulerServer.embedded(new ServerConfig(0, "127.0.0.1", null, null, null, false, "gpufleet",
                    2 + rnd.nextInt(5), seed, c.bodyLimit(), c.tick(), false), clock);
            List<String> jobs = new ArrayList<>();
            for (int step = 0; step < 60; step++, steps++) {
                String before = snapshot(svc);
                int op = rnd.nextInt(10);
                Principal who = rnd.nextBoolean() ? A : B;
                String ns = rnd.nextInt(8) == 0 ? (who == A ? "team-b" : "team-a") : (who == A ? "team-a" : "team-b");
                String what = "seed " + seed + " step " + step + " op " + op;
                try {
                    switch (op) {
                        case 0, 1, 2, 3 -> {
                            JobSpec spec = randomJob(rnd, "j" + step, ns);
                            Views.Job j = svc.submitJob(who, spec);
                            jobs.add(j.id());
                        }
                        case 4 -> {
                            if (jobs.isEmpty()) break;
                            String id = jobs.get(rnd.nextInt(jobs.size()));
                            svc.deleteJob(rnd.nextInt(4) == 0 ? (who == A ? B : A) : ADMIN, id);
                            jobs.remove(id);
                        }
                        case 5 -> {
                            svc.whatIf(who, randomJob(rnd, "w" + step, ns));
                            assertEquals(before, snapshot(svc), what + ": what-if changed state");
                        }
                        case 6 -> {
                            double max = rnd.nextInt(40);
                            svc.putQuota(rnd.nextInt(3) == 0 ? A : ADMIN, "team-a", new QuotaInput("research", "team-a",
                                    new QuotaInput.Amount(Math.min(max, rnd.nextInt(8)) * 1.0, null, null), new QuotaInput.Amount(max, null, null)));
                        }
                        case 7 -> {
                            List<String> nodes = new ArrayList<>();
                            svc.nodes(ADMIN).items().forEach(n -> nodes.add(n.name()));
                            svc.setGpuHealth(nodes.get(rnd.nextInt(nodes.size())), rnd.nextInt(9), rnd.nextInt(3) != 0);
                        }
                        case 8 -> {
                            clock.advance(Duration.ofSeconds(rnd.nextInt(90)));
                            svc.tick();
                        }
                        default -> svc.tick();
                    }
                } catch (ApiException e) {
                    assertTrue(e.status() >= 400 && e.status() < 500, what + ": " + e.status());
                    assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
                    assertEquals(before, snapshot(svc), what + ": refused request (" + e.getMessage() + ") changed state");
                }
                check(svc, what);
            }
        }
        assertTrue(steps >= 2400);
    }

    static JobSpec randomJob(SplittableRandom rnd, String name, String ns) {
        Map<String, String> res = new HashMap<>();
        int shape = rnd.nextInt(6);
        switch (shape) {
            case 0 -> res.put("cpu", String.valueOf(1 + rnd.nextInt(16)));
            case 1 -> res.put("nvidia.com/gpu", String.valueOf(1 + rnd.nextInt(8)));
            case 2 -> {
                res.put("nvidia.com/gpu", "1");
                res.put("gpufleet.io/gpu-memory", (1 + rnd.nextInt(20)) + "Gi");
                res.put("gpufleet.io/gpu-core", String.valueOf(5 + rnd.nextInt(60)));
            }
            case 3 -> res.put("nvidia.com/gpu", String.valueOf(-1 - rnd.nextInt(3)));     // invalid
            case 4 -> res.put("example.com/thing", "1");                                   // invalid
            default -> res.put("nvidia.com/gpu", String.valueOf(1 + rnd.nextInt(4)));
        }
        int replicas = 1 + rnd.nextInt(4);
        JobSpec.Gang gang = rnd.nextInt(3) == 0 ? new JobSpec.Gang(1 + rnd.nextInt(replicas + 1), 30L) : null;
        return new JobSpec(name, ns, rnd.nextInt(20) == 0 ? 0 : replicas, res, gang, null, rnd.nextInt(3), null, null, null);
    }

    /** Everything an API user can observe. */
    static String snapshot(SchedulerService svc) {
        return Json.write(svc.nodes(ADMIN)) + Json.write(svc.listJobs(ADMIN, null)) + Json.write(svc.quotas(ADMIN));
    }

    static void check(SchedulerService svc, String what) {
        double allocated = 0;
        for (Views.Node n : svc.nodes(ADMIN).items()) {
            allocated += n.gpuAllocated();
            for (Views.Gpu g : n.gpus()) {
                assertTrue(g.coreFreeMilli() >= 0 && g.coreFreeMilli() <= 1000, what + ": GPU " + n.name() + "/" + g.index() + " compute over-committed");
                assertTrue(g.memoryFreeMiB() >= 0, what + ": GPU " + n.name() + "/" + g.index() + " memory over-committed");
            }
            assertTrue(n.cpuFree() >= 0 && n.memoryFreeMiB() >= 0, what + ": node " + n.name() + " over-committed");
        }
        double held = 0;
        for (Views.Job j : svc.listJobs(ADMIN, null).items()) {
            for (Views.Pod p : j.pods()) {
                if (p.gpus() != null) for (var s : p.gpus()) held += s.coreMilli() / 1000.0;
            }
        }
        assertEquals(held, allocated, 1e-6, what + ": nodes and pods disagree on allocated GPUs");
        for (Views.Job j : svc.listJobs(A, null).items()) assertEquals("team-a", j.namespace(), what);
        for (Views.Job j : svc.listJobs(B, null).items()) assertEquals("team-b", j.namespace(), what);
    }
}
