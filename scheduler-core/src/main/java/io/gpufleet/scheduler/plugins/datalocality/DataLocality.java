package io.gpufleet.scheduler.plugins.datalocality;

import io.gpufleet.scheduler.framework.CycleState;
import io.gpufleet.scheduler.framework.ScorePlugin;
import io.gpufleet.scheduler.model.Request;
import io.gpufleet.scheduler.state.NodeState;

/** Score: 100 on nodes that cache the pod's data set (node label {@code gpufleet.io/datasets}), else 0. */
public final class DataLocality implements ScorePlugin {
    public static final String NAME = "datalocality";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public long score(CycleState cycle, Request r, NodeState n, int cards) {
        return r.dataset() != null && n.cachesDataset(r.dataset()) ? 100 : 0;
    }
}
