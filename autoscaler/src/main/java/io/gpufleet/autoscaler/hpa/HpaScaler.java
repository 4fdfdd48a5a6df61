package io.gpufleet.autoscaler.hpa;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;

/**
 * HPA for one target over time: holds the {@link HpaState} and reads the instant from an injected clock.
 * The state advances only when the caller confirms the new count was applied, as HPA records scale events
 * only after a successful update of the scale subresource.
 */
public final class HpaScaler {
    private static final Logger LOG = LoggerFactory.getLogger(HpaScaler.class);
    private final String target;
    private final Clock clock;
    private HpaState state = HpaState.empty();

    public HpaScaler(String target, Clock clock) {
        this.target = target;
        this.clock = clock;
    }

    /** Computes a decision; call {@link #applied(HpaDecision, boolean)} with the outcome of acting on it. */
    public HpaDecision decide(HpaInput input) {
        HpaDecision d = HpaAlgorithm.decide(input, state, clock.instant());
        LOG.info("{}: {}", target, d.explain());
        return d;
    }

    /**
     * Records the outcome: when the scale update succeeded (or nothing had to change) the decision's state
     * is kept; when it failed only the recommendation is kept, so the rate limits do not count a change
     * that never happened.
     */
    public void applied(HpaDecision d, boolean succeeded) {
        if (succeeded || !d.rescale()) {
            state = d.nextState();
        } else {
            state = new HpaState(d.nextState().recommendations(), state.scaleUps(), state.scaleDowns());
        }
    }

    /** The remembered state. */
    public HpaState state() {
        return state;
    }
}
