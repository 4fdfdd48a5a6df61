package io.gpufleet.scheduler.plugins.defaultbinder;

import io.gpufleet.scheduler.framework.BindPlugin;
import io.gpufleet.scheduler.framework.FrameworkHandle;
import io.gpufleet.scheduler.framework.Status;
import io.gpufleet.scheduler.model.Allocation;

/** Binds into the in-memory cluster state (the Kubernetes binding is a separate bind plugin). */
public final class DefaultBinder implements BindPlugin {
    public static final String NAME = "defaultbinder";
    private final FrameworkHandle handle;

    public DefaultBinder(FrameworkHandle handle) {
        this.handle = handle;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Status bind(Allocation a) {
        handle.state().bind(a.pod());
        return Status.OK;
    }
}
