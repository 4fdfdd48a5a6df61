package io.gpufleet.scheduler;

import io.gpufleet.scheduler.framework.Profile;
import io.gpufleet.scheduler.framework.Scheduler;
import io.gpufleet.scheduler.plugins.BuiltInPlugins;
import io.gpufleet.scheduler.quota.QuotaTree;
import io.gpufleet.scheduler.state.ClusterState;
import java.time.Clock;

/** Entry point: a scheduler over a cluster state with the built-in plugins. */
public final class Schedulers {
    private Schedulers() {}

    /** With the default profile. */
    public static Scheduler create(ClusterState state, QuotaTree quotas, Clock clock) {
        return create(state, quotas, Profile.defaultProfile(), clock);
    }

    public static Scheduler create(ClusterState state, QuotaTree quotas, Profile profile, Clock clock) {
        return new Scheduler(state, quotas, profile, BuiltInPlugins.registry(), clock);
    }
}
