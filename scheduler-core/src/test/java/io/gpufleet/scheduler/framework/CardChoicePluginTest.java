package io.gpufleet.scheduler.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.scheduler.model.Gpu;
import io.gpufleet.scheduler.model.Node;
import io.gpufleet.scheduler.model.Request;
import io.gpufleet.scheduler.plugins.BuiltInPlugins;
import io.gpufleet.scheduler.quota.QuotaTree;
import io.gpufleet.scheduler.state.ClusterState;
import io.gpufleet.scheduler.state.NodeState;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CardChoicePluginTest {
    /** Takes the highest eligible card, or a fixed (possibly invalid) mask. */
    static final class Chooser implements CardChoicePlugin {
        final int fixed;
        Chooser(int fixed) { this.fixed = fixed; }
        @Override public String name() { return "chooser"; }
        @Override public long score(CycleState c, Request r, NodeState n, int cards) { return 0; }
        @Override public int chooseCards(CycleState c, Request r, NodeState n, int eligible, int proposed) {
            return fixed != 0 ? fixed : Integer.highestOneBit(eligible);
        }
    }

    static Scheduler scheduler(int fixed) {
        ClusterState s = new ClusterState();
        List<Gpu> gpus = new ArrayList<>();
        for (int i = 0; i < 4; i++) gpus.add(new Gpu("g" + i, i, "T4", 16384, 0, 0, Map.of(), null));
        s.addNode(new Node("n", 64_000, 1 << 20, Map.of(), gpus));
        PluginRegistry reg = BuiltInPlugins.registry().register("chooser", (args, h) -> new Chooser(fixed));
        Profile p = Profile.fromYaml("""
                profileName: choose
                plugins:
                  queueSort: prioritysort
                  filter: [noderesources, gpushare]
                  score: [chooser]
                  bind: [defaultbinder]
                """);
        return new Scheduler(s, QuotaTree.empty(), p, reg, Clock.systemUTC());
    }

    @Test
    void aCardChoosingScorePluginOverridesTheAllocatorsPick() {
        Decision d = scheduler(0).schedule(Request.builder("p").cpuMilli(1000).gpus(1).gpuCoreMilli(300).build());
        assertTrue(d.placed());
        assertEquals(3, d.allocation().gpus().get(0).index());
    }

    @Test
    void aChoiceOutsideTheEligibleCardsIsRefused() {
        var e = assertThrows(IllegalStateException.class,
                () -> scheduler(0b10000).schedule(Request.builder("p").cpuMilli(1000).gpus(1).gpuCoreMilli(300).build()));
        assertTrue(e.getMessage().startsWith("plugin chooser chose cards 10000 on n for p"), e.getMessage());
        assertThrows(IllegalStateException.class,
                () -> scheduler(0b11).schedule(Request.builder("q").cpuMilli(1000).gpus(1).gpuCoreMilli(300).build()));
    }
}
