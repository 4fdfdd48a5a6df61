package io.gpufleet.scheduler.plugins.constraints;

import io.gpufleet.scheduler.framework.CycleState;
import io.gpufleet.scheduler.framework.FilterPlugin;
import io.gpufleet.scheduler.framework.FrameworkHandle;
import io.gpufleet.scheduler.framework.PreFilterPlugin;
import io.gpufleet.scheduler.framework.Rejection;
import io.gpufleet.scheduler.framework.Status;
import io.gpufleet.scheduler.model.Request;
import io.gpufleet.scheduler.state.NodeState;
import java.util.Map;

/**
 * PreFilter: turns the pod's allowed GPU models into a model bit mask (the card allocator then only considers
 * cards of those models); a pod naming only models no node has is rejected at once. Filter: the node carries
 * every label of the node selector and has a healthy card of an allowed model.
 */
public final class Constraints implements PreFilterPlugin, FilterPlugin {
    public static final String NAME = "constraints";
    private static final Rejection SELECTOR_MISMATCH = new Rejection(NAME, "node selector does not match", false);
    private static final Rejection NO_MODEL = new Rejection(NAME, "no healthy GPU of an allowed model", false);

    private final FrameworkHandle handle;

    public Constraints(FrameworkHandle handle) {
        this.handle = handle;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Status preFilter(CycleState cycle, Request r) {
        if (!r.nodeSelector().isEmpty()) {
            String[] kv = new String[r.nodeSelector().size() * 2];
            int i = 0;
            for (Map.Entry<String, String> e : r.nodeSelector().entrySet()) {
                kv[i++] = e.getKey();
                kv[i++] = e.getValue();
            }
            cycle.nodeSelector(kv);
        }
        if (r.gpuCount() == 0 || r.allowedModels().isEmpty()) return Status.OK;
        long mask = 0;
        for (String m : r.allowedModels()) {
            int id = handle.state().modelId(m);
            if (id >= 0) mask |= 1L << id;
        }
        if (mask == 0) return Status.unschedulable(NAME, "no node has a GPU of model " + r.allowedModels());
        cycle.modelMask(mask);
        return Status.OK;
    }

    @Override
    public Rejection filter(CycleState cycle, Request r, NodeState n) {
        String[] kv = cycle.nodeSelector();
        if (kv != null) {
            Map<String, String> labels = n.node().labels();
            for (int i = 0; i < kv.length; i += 2) {
                if (!kv[i + 1].equals(labels.get(kv[i]))) return SELECTOR_MISMATCH;
            }
        }
        long models = cycle.modelMask();
        if (r.gpuCount() > 0 && models != -1L && (n.modelMask() & models) == 0) return NO_MODEL;
        return null;
    }
}
