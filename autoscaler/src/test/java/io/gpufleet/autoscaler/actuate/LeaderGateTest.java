package io.gpufleet.autoscaler.actuate;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.gpufleet.autoscaler.policy.ScalingPolicy.TargetKind;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LeaderGateTest {
    static boolean await(BooleanSupplier c, long ms) throws InterruptedException {
        long end = System.currentTimeMillis() + ms;
        while (System.currentTimeMillis() < end) {
            if (c.getAsBoolean()) return true;
            Thread.sleep(20);
        }
        return c.getAsBoolean();
    }

    @Test
    void exactlyOneReplicaActsAndTheOtherTakesOverWhenItStops() throws Exception {
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init();
        try (KubernetesClient c1 = server.createClient(); KubernetesClient c2 = server.createClient()) {
            LeaderGate a = new LeaderGate(c1, "gpufleet", "gpufleet-autoscaler", "a", Duration.ofMillis(1500)).start();
            LeaderGate b = new LeaderGate(c2, "gpufleet", "gpufleet-autoscaler", "b", Duration.ofMillis(1500));
            assertTrue(await(a, 5000), "a leads");
            b.start();
            Thread.sleep(800);
            assertFalse(b.getAsBoolean(), "b waits while a holds the lease");

            // only the leader's actuator writes
            List<Integer> writes = new ArrayList<>();
            ScaleApi api = new ScaleApi() {
                @Override public int replicas(String ns, TargetKind k, String n) { return 0; }
                @Override public void setReplicas(String ns, TargetKind k, String n, int r) { writes.add(r); }
            };
            Actuator actA = new Actuator(api, Clock.systemUTC(), false, Duration.ofSeconds(1), Duration.ofSeconds(5), a);
            Actuator actB = new Actuator(api, Clock.systemUTC(), false, Duration.ofSeconds(1), Duration.ofSeconds(5), b);
            actA.submit(new ScaleAction("ns", TargetKind.Deployment, "d", 3, "a"));
            actB.submit(new ScaleAction("ns", TargetKind.Deployment, "d", 4, "b"));
            assertEquals(List.of(3), writes);
            assertEquals(1, actB.stats().pending());

            a.close();
            assertTrue(await(b, 6000), "b takes over after a releases the lease");
            actB.flush();
            assertEquals(List.of(3, 4), writes);
            b.close();
        } finally {
            server.destroy();
        }
    }
}
