package io.gpufleet.autoscaler.actuate;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * Leader election on a coordination.k8s.io Lease (fabric8's LeaderElector): only the replica holding the
 * lease acts, so two autoscaler replicas never scale the same target. Pass it to {@link Actuator} as the
 * "may act" condition.
 */
public final class LeaderGate implements BooleanSupplier, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LeaderGate.class);
    private final AtomicBoolean leader = new AtomicBoolean();
    private final LeaderElector elector;
    private final String identity;
    private CompletableFuture<?> running;

    /**
     * @param namespace     namespace of the Lease
     * @param leaseName     name of the Lease (e.g. gpufleet-autoscaler)
     * @param identity      this replica (e.g. the pod name)
     * @param leaseDuration how long a lease holds without renewal (renew deadline and retry period derive from it)
     */
    public LeaderGate(KubernetesClient client, String namespace, String leaseName, String identity, Duration leaseDuration) {
        this.identity = identity;
        this.elector = client.leaderElector().withConfig(new LeaderElectionConfigBuilder()
                .withName("gpufleet-autoscaler")
                .withLock(new LeaseLock(namespace, leaseName, identity))
                .withLeaseDuration(leaseDuration)
                .withRenewDeadline(leaseDuration.multipliedBy(2).dividedBy(3))
                .withRetryPeriod(leaseDuration.dividedBy(5))
                .withReleaseOnCancel()
                .withLeaderCallbacks(new LeaderCallbacks(
                        () -> {
                            leader.set(true);
                            LOG.info("{} is the leader: acting", identity);
                        },
                        () -> {
                            leader.set(false);
                            LOG.info("{} stopped leading: not acting", identity);
                        },
                        id -> LOG.info("leader is now {}", id)))
                .build()).build();
    }

    /** Starts campaigning (in the background). */
    public synchronized LeaderGate start() {
        if (running == null) running = elector.start();
        return this;
    }

    /** True while this replica holds the lease. */
    @Override
    public boolean getAsBoolean() {
        return leader.get();
    }

    public String identity() {
        return identity;
    }

    /** Stops campaigning and releases the lease if held. */
    @Override
    public synchronized void close() {
        if (running != null) running.cancel(true);
        leader.set(false);
    }
}
