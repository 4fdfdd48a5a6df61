package io.gpufleet.scheduler.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.scheduler.TestClock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/** One thread owns the scheduler: calls from many threads run there, in turn, and direct use elsewhere fails. */
class DecisionLoopTest {
    private static final Principal ADMIN = new Principal("root", Set.of(), true);

    @Test
    void concurrentCallersAreSerialisedOnTheLoopThread() throws Exception {
        ServerConfig c = ServerConfig.defaults();
        SchedulerService svc = SchedulerServer.embedded(new ServerConfig(0, "127.0.0.1", null, null, null, false, "gpufleet", 8, 3,
                c.bodyLimit(), c.tick(), false), new TestClock());
        try (DecisionLoop loop = new DecisionLoop(svc)) {
            Set<String> threads = ConcurrentHashMap.newKeySet();
            ExecutorService callers = Executors.newFixedThreadPool(8);
            List<CompletableFuture<Views.Job>> futures = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                int n = i;
                futures.add(CompletableFuture.supplyAsync(() -> loop.call(s -> {
                    threads.add(Thread.currentThread().getName());
                    return s.submitJob(ADMIN, new JobSpec("j" + n, "team-" + (n % 2 == 0 ? "a" : "b"), 1,
                            Map.of("nvidia.com/gpu", "1"), null, null, null, null, null, null));
                }), callers).thenCompose(f -> f));
            }
            int running = 0;
            for (CompletableFuture<Views.Job> f : futures) if (f.get().phase().equals("Running")) running++;
            callers.shutdown();
            assertEquals(Set.of("gpufleet-decision-loop"), threads);
            assertEquals(64, running, "64 one-GPU jobs fit in 64 GPUs");
            // every GPU taken exactly once: the counters agree with the jobs
            Views.NodeList nodes = loop.call(s -> s.nodes(ADMIN)).get();
            double allocated = nodes.items().stream().mapToDouble(Views.Node::gpuAllocated).sum();
            assertEquals(64.0, allocated, 1e-9);
            // a 65th does not fit and says so
            Views.Job extra = loop.call(s -> s.submitJob(ADMIN, new JobSpec("extra", "team-a", 1, Map.of("nvidia.com/gpu", "1"),
                    null, null, null, null, null, null))).get();
            assertEquals("Pending", extra.phase());
            assertTrue(extra.pods().get(0).reason() != null);
            // the service refuses any other thread
            assertThrows(IllegalStateException.class, () -> svc.nodes(ADMIN));
        }
    }
}
