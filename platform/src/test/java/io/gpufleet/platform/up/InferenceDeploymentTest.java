package io.gpufleet.platform.up;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.analytics.quota.WorkloadNames;
import io.gpufleet.autoscaler.controller.TargetState;
import io.gpufleet.autoscaler.policy.PolicyLoader;
import io.gpufleet.autoscaler.policy.ScalingPolicy;
import io.gpufleet.exporter.sim.RunningWork;
import io.gpufleet.exporter.sim.SimulatedFleet;
import io.gpufleet.exporter.sim.SimulationConfig;
import io.gpufleet.scheduler.api.DecisionLoop;
import io.gpufleet.scheduler.api.SchedulerMetrics;
import io.gpufleet.scheduler.api.SchedulerService;
import io.gpufleet.scheduler.framework.Profile;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The inference Deployment the autoscaler scales in {@code fleet up}, on a real scheduler decision loop and a
 * simulated fleet: replicas become scheduler jobs whose pods run on the simulated GPUs, scale-down removes the
 * lowest deletion cost first, and the replicas' utilization is the load spread over the running replicas.
 */
class InferenceDeploymentTest {

    @Test
    void replicasArePlacedRunTheLoadAndScaleDownByDeletionCost() throws Exception {
        try (SimulatedFleet fleet = SimulatedFleet.create(SimulationConfig.defaults().withNodes(2).withGpusPerNode(4)
                .withBackgroundLoad(false), Clock.systemUTC())) {
            SchedulerService service = new SchedulerService(ClusterModel.nodes(fleet),
                    ClusterModel.quotas(ClusterModel.DEFAULT_QUOTAS, fleet.gpuCount()), Profile.defaultProfile(),
                    Clock.systemUTC(), new SchedulerMetrics());
            try (DecisionLoop loop = new DecisionLoop(service).start(Duration.ofMillis(50))) {
                PlacedWork work = new PlacedWork(fleet);
                loop.run(s -> s.addListener(work)).get();
                AtomicLong now = new AtomicLong();
                // a flat load of 1.5 replicas' worth of work
                InferenceDeployment d = new InferenceDeployment(loop, work, new DemandCurve(Duration.ofSeconds(60), 1.5, 1.5, 1), 1, now::get);
                ScalingPolicy policy = PolicyLoader.load("p.yaml", FleetAutoscaler.policyYaml(4)).policies().get(0);
                assertEquals(1, d.replicas(InferenceDeployment.NAMESPACE, ScalingPolicy.TargetKind.Deployment, InferenceDeployment.NAME));

                d.setReplicas(InferenceDeployment.NAMESPACE, ScalingPolicy.TargetKind.Deployment, InferenceDeployment.NAME, 3);
                TargetState st = d.observe(policy);
                assertEquals(3, st.replicas());
                assertEquals(1, st.gpusPerReplica());
                assertEquals(3, st.pods().stream().filter(r -> r.status().ready() && !r.node().isEmpty()).count(), st.toString());
                for (TargetState.Replica r : st.pods()) assertEquals("chat", WorkloadNames.of(r.name()), "one workload for analytics");
                // 1.5 over 3 running replicas: 50 % each, on the simulated GPUs too
                Map<String, Double> util = d.perReplica(policy, policy.metrics().get(0), st.pods().stream().map(TargetState.Replica::name).toList());
                assertEquals(3, util.size());
                util.values().forEach(u -> assertEquals(50.0, u, 3.5)); // the load jitters by a few percent
                List<RunningWork> running = fleet.work().stream().filter(w -> w.workload().namespace().equals("inference")).toList();
                assertEquals(3, running.size());
                running.forEach(w -> assertEquals(0.5, w.workload().utilization(), 0.035));

                // the ReplicaSet controller removes the lowest deletion cost first
                String keep = st.pods().get(0).name();
                d.setDeletionCost(InferenceDeployment.NAMESPACE, keep, 100);
                d.setDeletionCost(InferenceDeployment.NAMESPACE, st.pods().get(1).name(), 50);
                d.setReplicas(InferenceDeployment.NAMESPACE, ScalingPolicy.TargetKind.Deployment, InferenceDeployment.NAME, 1);
                TargetState after = d.observe(policy);
                assertEquals(List.of(keep), after.pods().stream().map(TargetState.Replica::name).toList());
                assertEquals(1, fleet.work().stream().filter(w -> w.workload().namespace().equals("inference")).count(),
                        "the deleted replicas' work stopped");
                assertEquals(1.0, d.perReplica(policy, policy.metrics().get(0), List.of(keep)).get(keep) / 100, 0.01,
                        "one replica takes the whole load, capped at a full GPU");
                long jobs = loop.call(s -> s.listJobs(new io.gpufleet.scheduler.api.Principal("t", java.util.Set.of(), true), "inference")
                        .items().size()).get();
                assertEquals(1, jobs, "the scheduler holds one replica job");

                var e = assertThrows(IllegalArgumentException.class,
                        () -> d.setReplicas("team-a", ScalingPolicy.TargetKind.Deployment, "web", 2));
                assertTrue(e.getMessage().contains("inference/chat"), e.getMessage());
            }
        }
    }

    @Test
    void theDemandCurveStartsOnTheMorningRampPeaksAtMiddayAndIsPeriodic() {
        DemandCurve c = new DemandCurve(Duration.ofSeconds(100), 1, 5, 3);
        double morning = c.at(Duration.ZERO), noon = c.at(Duration.ofSeconds(25)), night = c.at(Duration.ofSeconds(75));
        assertEquals(3, morning, 0.2);
        assertEquals(5, noon, 0.2);
        assertEquals(1, night, 0.2);
        assertEquals(c.at(Duration.ofSeconds(37)), c.at(Duration.ofSeconds(137)), 1e-9, "one day repeats the previous");
        for (int s = 0; s < 1000; s += 7) assertTrue(c.at(Duration.ofSeconds(s)) >= 0);
        assertThrows(IllegalArgumentException.class, () -> new DemandCurve(Duration.ofMillis(10), 1, 2, 0));
        assertThrows(IllegalArgumentException.class, () -> new DemandCurve(Duration.ofSeconds(10), 3, 2, 0));
    }

    @Test
    void theDefaultPolicyLoads() {
        var r = PolicyLoader.load("p.yaml", FleetAutoscaler.policyYaml(9));
        assertTrue(r.ok(), r.errors().toString());
        ScalingPolicy p = r.policies().get(0);
        assertEquals("inference", p.namespace());
        assertEquals("chat", p.target().name());
        assertEquals(9, p.maxReplicas());
    }
}
