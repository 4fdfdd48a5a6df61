package io.gpufleet.scheduler.framework;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Plugin names to factories. Adding a policy means registering a factory, not editing the framework. */
public final class PluginRegistry {
    private final Map<String, PluginFactory> factories = new LinkedHashMap<>();

    public PluginRegistry register(String name, PluginFactory factory) {
        if (factories.putIfAbsent(name, factory) != null) throw new IllegalArgumentException("plugin " + name + " is registered twice");
        return this;
    }

    public PluginFactory factory(String name) {
        return factories.get(name);
    }

    public Set<String> names() {
        return factories.keySet();
    }
}
