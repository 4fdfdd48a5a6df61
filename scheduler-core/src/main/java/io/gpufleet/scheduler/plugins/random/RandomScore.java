package io.gpufleet.scheduler.plugins.random;

import io.gpufleet.scheduler.framework.CardChoicePlugin;
import io.gpufleet.scheduler.framework.CycleState;
import io.gpufleet.scheduler.framework.Profile;
import io.gpufleet.scheduler.model.Request;
import io.gpufleet.scheduler.state.NodeState;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The Random baseline of the FGD paper: every feasible node gets a random score in 0..100 and, for a sharing pod,
 * a random card among those that fit is taken. Argument {@code seed} (default 0) makes a run repeatable.
 */
public final class RandomScore implements CardChoicePlugin {
    public static final String NAME = "random";
    private final SplittableRandom rng;

    public RandomScore(Map<String, Object> args) {
        Profile.knownKeys(args, NAME, Set.of("seed"));
        this.rng = new SplittableRandom((long) Profile.number(args, NAME, "seed", 0, Long.MIN_VALUE, Long.MAX_VALUE));
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int chooseCards(CycleState cycle, Request r, NodeState node, int eligible, int proposed) {
        if (r.gpuCount() != 1 || r.wholeGpus()) return proposed;
        int k = rng.nextInt(Integer.bitCount(eligible));
        int e = eligible;
        for (int i = 0; i < k; i++) e &= e - 1;
        return e & -e;
    }

    @Override
    public long score(CycleState cycle, Request r, NodeState node, int cards) {
        return rng.nextInt(101);
    }
}
