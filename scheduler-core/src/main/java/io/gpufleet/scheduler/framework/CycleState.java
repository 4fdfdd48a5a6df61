package io.gpufleet.scheduler.framework;

import io.gpufleet.scheduler.model.Request;
import java.util.HashMap;
import java.util.Map;

/**
 * Scratch space of one decision, shared by the plugins of that decision only.
 */
public final class CycleState {
    private final Request request;
    private long modelMask = -1L;
    private String[] nodeSelector;
    private Map<String, Object> data;

    public CycleState(Request request) {
        this.request = request;
    }

    public Request request() {
        return request;
    }

    /** GPU model ids the pod accepts as a bit mask; {@code -1L} means any (set by the constraints plugin). */
    public long modelMask() {
        return modelMask;
    }

    public void modelMask(long mask) {
        modelMask = mask;
    }

    /** The node selector as key, value, key, value... (set by the constraints plugin), or {@code null}. */
    public String[] nodeSelector() {
        return nodeSelector;
    }

    public void nodeSelector(String[] keyValues) {
        nodeSelector = keyValues;
    }

    public void put(String key, Object value) {
        if (data == null) data = new HashMap<>();
        data.put(key, value);
    }

    @SuppressWarnings("unchecked")
    public <T> T get(String key) {
        return data == null ? null : (T) data.get(key);
    }
}
