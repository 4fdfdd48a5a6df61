package io.gpufleet.scheduler.framework;

/**
 * A scheduling plugin. It implements one or more extension point interfaces; the framework calls them, plugins
 * never call each other. Shared state (cluster, quotas, gangs, waiting pods) is reached through the
 * {@link FrameworkHandle} a plugin gets at creation.
 */
public interface Plugin {
    String name();
}
