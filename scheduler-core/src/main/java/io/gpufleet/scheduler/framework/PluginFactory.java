package io.gpufleet.scheduler.framework;

import java.util.Map;

/** Creates a plugin from its profile arguments. */
@FunctionalInterface
public interface PluginFactory {
    Plugin create(Map<String, Object> args, FrameworkHandle handle);
}
