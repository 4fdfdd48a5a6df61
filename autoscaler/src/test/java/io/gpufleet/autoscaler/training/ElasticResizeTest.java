package io.gpufleet.autoscaler.training;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ElasticResizeTest {
    static final Instant T = Instant.parse("2026-11-23T12:00:00Z");
    static final Duration W = Duration.ofMinutes(10);

    static ElasticResize.Decision d(int w, int lo, int hi, int preempted, int placeable, int wanted, Optional<Instant> last) {
        return ElasticResize.decide(new ElasticResize.Input(w, lo, hi, preempted, placeable, wanted, 2, last, T, W));
    }

    @Test
    void rules() {
        assertEquals(new ElasticResize.Decision(8, 0, "AboveMax", true), d(10, 2, 8, 0, 0, 0, Optional.empty()));
        assertEquals(new ElasticResize.Decision(3, 0, "BelowMin", true), d(1, 4, 8, 0, 2, 0, Optional.of(T)), "part of the way to min now");
        assertEquals(new ElasticResize.Decision(4, 1, "SpotPreemption", true), d(6, 2, 8, 3, 1, 0, Optional.of(T)),
                "one of three preempted workers has room elsewhere; two are shed");
        assertEquals(new ElasticResize.Decision(6, 3, "NoChange", false), d(6, 2, 8, 3, 3, 0, Optional.empty()), "all replaced: no resize");
        assertEquals(new ElasticResize.Decision(3, 0, "Reclaim", true), d(5, 3, 8, 0, 4, 100, Optional.of(T)));
        assertEquals(new ElasticResize.Decision(5, 0, "NoChange", false), d(5, 5, 8, 0, 4, 100, Optional.empty()), "at min: nothing to give");
        assertEquals(new ElasticResize.Decision(8, 0, "FreeGpus", false), d(5, 2, 8, 0, 4, 0, Optional.of(T.minus(W))));
        assertEquals(new ElasticResize.Decision(5, 0, "Batched", false), d(5, 2, 8, 0, 4, 0, Optional.of(T.minusSeconds(599))));
    }

    /** Seeded random inputs: inside the bounds (unless already outside and unable to move), growth fits, batching holds. */
    @Test
    void invariants() {
        Random rnd = new Random(3);
        for (int c = 0; c < 5000; c++) {
            int lo = 1 + rnd.nextInt(4);
            int hi = lo + rnd.nextInt(8);
            int w = rnd.nextInt(hi + 4);
            int preempted = rnd.nextInt(w + 1);
            int placeable = rnd.nextInt(10);
            int wanted = rnd.nextInt(3) == 0 ? rnd.nextInt(10) : 0;
            Optional<Instant> last = rnd.nextBoolean() ? Optional.empty() : Optional.of(T.minusSeconds(rnd.nextInt(1200)));
            ElasticResize.Decision x = d(w, lo, hi, preempted, placeable, wanted, last);
            String ctx = "case " + c + " w=" + w + " " + lo + ".." + hi + " pre=" + preempted + " free=" + placeable + " wanted=" + wanted + " last=" + last + " -> " + x;
            assertTrue(x.workers() <= Math.max(hi, Math.min(w, hi)), ctx);
            if (w >= lo) assertTrue(x.workers() >= lo, "never below min: " + ctx);
            if (x.workers() > w) {
                assertTrue(x.workers() - w + x.replacements() <= placeable, "the whole increment fits: " + ctx);
                boolean recent = last.isPresent() && Duration.between(last.get(), T).compareTo(W) < 0;
                assertTrue(x.forced() || !recent, "growth at most once per window: " + ctx);
                assertEquals(0, wanted == 0 || x.forced() ? 0 : 1, ctx);
            }
            assertTrue(x.replacements() <= preempted, ctx);
        }
    }
}
