package io.gpufleet.scheduler.quota;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class QuotaTreeTest {

    private static Resources gpus(long n) {
        return Resources.ofGpus(n, 0, 0);
    }

    private static void invalid(List<QuotaSpec> specs, String mustMention) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new QuotaTree(specs));
        assertTrue(e.getMessage().contains(mustMention), () -> "'" + e.getMessage() + "' should mention " + mustMention);
    }

    @Test
    void validation() {
        invalid(List.of(new QuotaSpec("a", "b", null, null), new QuotaSpec("b", "a", null, null)), "cycle");
        invalid(List.of(new QuotaSpec("a", "a", null, null)), "cycle");
        invalid(List.of(new QuotaSpec("a", "nope", null, null)), "parent nope is not defined");
        invalid(List.of(new QuotaSpec("a", null, null, null), new QuotaSpec("a", null, null, null)), "defined twice");
        invalid(List.of(new QuotaSpec("p", null, gpus(2), gpus(8)), new QuotaSpec("c1", "p", gpus(2), gpus(8)),
                new QuotaSpec("c2", "p", gpus(1), gpus(8))), "children's min.gpuMilli");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new QuotaSpec("a", null, gpus(4), gpus(2)));
        assertTrue(e.getMessage().contains("min.gpuMilli is above max.gpuMilli"), e.getMessage());
    }

    @Test
    void usagePropagatesAndMaxHoldsAtEveryLevel() {
        QuotaTree t = new QuotaTree(List.of(new QuotaSpec("org", null, gpus(4), gpus(6)),
                new QuotaSpec("a", "org", gpus(2), gpus(5)), new QuotaSpec("b", "org", gpus(2), gpus(5))));
        t.add("a", gpus(4));
        assertEquals(gpus(4), t.used("org"));
        assertNull(t.checkAdmit("a", gpus(1)));
        assertTrue(t.checkAdmit("a", gpus(2)).contains("quota a would exceed max.gpuMilli"));
        t.add("b", gpus(2));
        assertTrue(t.checkAdmit("b", gpus(1)).contains("quota org"), "the parent's max binds the child");
        assertFalse(t.withinMin("b", Resources.ZERO), "asking nothing guaranteed is not within min");
        assertFalse(t.withinMin("b", gpus(1)));
        assertTrue(t.canGiveBack("a", gpus(2)));
        assertFalse(t.canGiveBack("a", gpus(3)), "a would drop below its min");
        t.remove("a", gpus(4));
        assertTrue(t.withinMin("a", new Resources(1000, 50_000, 0)), "memory has no min here, so it is not checked");
        assertEquals(gpus(2), t.used("org"));
        assertEquals(2000.0 / 8000, t.dominantShare("b", gpus(8)), 1e-9);
    }
}
