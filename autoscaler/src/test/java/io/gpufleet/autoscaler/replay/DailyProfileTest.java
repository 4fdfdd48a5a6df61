package io.gpufleet.autoscaler.replay;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DailyProfileTest {
    private static final int DAY = 86_400;

    /** Day d runs at base[d] req/s, except 18:00–18:10 (slot 108) at peak[d]. */
    private static int[] days(int[] base, int[] peak) {
        int[] a = new int[base.length * DAY];
        for (int t = 0; t < a.length; t++) {
            int d = t / DAY;
            a[t] = (t % DAY) / 600 == 108 ? peak[d] : base[d];
        }
        return a;
    }

    @Test
    void medianOfTheSameSlotOnThePreviousDays() {
        int[] a = days(new int[]{100, 120, 80, 90}, new int[]{300, 200, 400, 0});
        DailyProfile p = new DailyProfile(7);
        ArrayView v = new ArrayView(a);
        // observing once at the end of day 3's 18:00 slot records every slot before it
        p.observe(v.at(3 * DAY + 109 * 600 - 1));
        assertEquals(300, p.median(3 * DAY + 108 * 600)); // days 0..2: 300, 200, 400
        assertEquals(100, p.median(3 * DAY + 30 * 600)); // days 0..2: 100, 120, 80
        // day 3's slot 109 has not ended yet: tomorrow's median of it reads days 0..2 only (80, 120, 100);
        // with day 3's 90 it would be 95
        assertEquals(100, p.median(4 * DAY + 109 * 600));
    }

    @Test
    void anEvenCountTakesTheMeanOfTheMiddleTwoAndOnlyTheLastDaysCount() {
        int[] a = days(new int[]{100, 120, 80, 90, 60}, new int[]{300, 200, 400, 0, 0});
        DailyProfile p = new DailyProfile(2);
        ArrayView v = new ArrayView(a);
        p.observe(v.at(2 * DAY + 200 * 600 - 1));
        assertEquals(250, p.median(2 * DAY + 108 * 600)); // days 0, 1: (300 + 200) / 2
        p.observe(v.at(4 * DAY + 109 * 600 - 1));
        assertEquals(200, p.median(4 * DAY + 108 * 600)); // 2 days back: days 2, 3 → (400 + 0) / 2
        assertEquals(85, p.median(4 * DAY + 10 * 600)); // (80 + 90) / 2
    }

    @Test
    void fewerThanTwoDaysGiveNothing() {
        int[] a = days(new int[]{100, 120}, new int[]{300, 200});
        DailyProfile p = new DailyProfile(7);
        ArrayView v = new ArrayView(a);
        p.observe(v.at(DAY + 600 * 120));
        assertTrue(Double.isNaN(p.median(DAY + 108 * 600)));
        assertThrows(IllegalArgumentException.class, () -> new DailyProfile(1));
    }
}
