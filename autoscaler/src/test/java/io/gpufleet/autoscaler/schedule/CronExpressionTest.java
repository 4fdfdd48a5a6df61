package io.gpufleet.autoscaler.schedule;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CronExpressionTest {
    static final ZoneId PARIS = ZoneId.of("Europe/Paris");
    static final ZoneId UTC = ZoneId.of("UTC");

    static Instant at(String iso, ZoneId zone) {
        return java.time.LocalDateTime.parse(iso).atZone(zone).toInstant();
    }

    @Test
    void basicFieldsNamesStepsAndRanges() {
        CronExpression c = CronExpression.parse("30 */15 9-17 * * MON-FRI");
        // Saturday 2026-11-21 -> Monday 09:00:30
        assertEquals(at("2026-11-23T09:00:30", UTC), c.next(at("2026-11-21T12:00:00", UTC), UTC));
        assertEquals(at("2026-11-23T09:15:30", UTC), c.next(at("2026-11-23T09:00:30", UTC), UTC));
        assertEquals(at("2026-11-24T09:00:30", UTC), c.next(at("2026-11-23T17:45:30", UTC), UTC));
        CronExpression months = CronExpression.parse("0 0 0 1 JAN,jul ?");
        assertEquals(at("2027-01-01T00:00:00", UTC), months.next(at("2026-07-01T00:00:00", UTC), UTC));
        CronExpression sunday7 = CronExpression.parse("0 0 12 ? * 7");
        assertEquals(at("2026-11-29T12:00:00", UTC), sunday7.next(at("2026-11-23T00:00:00", UTC), UTC));
    }

    @Test
    void restrictedDayOfMonthAndWeekMatchEither() {
        CronExpression c = CronExpression.parse("0 0 0 13 * FRI");
        // 2026-11-13 is a Friday; next after it: Friday 20th (day-of-week) before December 13th
        assertEquals(at("2026-11-20T00:00:00", UTC), c.next(at("2026-11-13T00:00:00", UTC), UTC));
    }

    @Test
    void impossibleDateNeverFires() {
        assertNull(CronExpression.parse("0 0 0 30 FEB *").next(at("2026-01-01T00:00:00", UTC), UTC));
    }

    @Test
    void errorsNameTheField() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CronExpression.parse("0 0 * * *")).getMessage().contains("6 fields"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CronExpression.parse("61 0 * * * *")).getMessage().startsWith("second"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CronExpression.parse("0 0 * * FOO *")).getMessage().startsWith("month"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CronExpression.parse("0 ? * * * *")).getMessage().startsWith("minute"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CronExpression.parse("0 0 * * * MON/0")).getMessage().startsWith("day-of-week"));
    }

    @Test
    void springForwardGapShiftsByTheGapAndFallBackFiresOnce() {
        // Paris 2026-03-29: 02:00 -> 03:00. A daily 02:30 job runs at 03:30 that day.
        CronExpression c = CronExpression.parse("0 30 2 * * *");
        Instant gap = c.next(at("2026-03-28T12:00:00", PARIS), PARIS);
        assertEquals(ZonedDateTime.of(2026, 3, 29, 3, 30, 0, 0, PARIS).toInstant(), gap);
        assertEquals(at("2026-03-30T02:30:00", PARIS), c.next(gap, PARIS));
        // Paris 2026-10-25: 03:00 -> 02:00, 02:30 happens twice: one firing, at the first (CEST, UTC+2).
        Instant first = c.next(at("2026-10-24T12:00:00", PARIS), PARIS);
        assertEquals(Instant.parse("2026-10-25T00:30:00Z"), first);
        assertEquals(Instant.parse("2026-10-26T01:30:00Z"), c.next(first, PARIS));
    }

    @Test
    void firingsAreStrictlyIncreasingAndMatchTheFieldsAcrossDst() {
        // Property: for random expressions, successive firings increase and (outside DST gaps) match.
        SplittableRandom rnd = new SplittableRandom(7);
        ZoneId ny = ZoneId.of("America/New_York");
        for (int k = 0; k < 60; k++) {
            int sec = rnd.nextInt(60);
            int step = 1 + rnd.nextInt(30);
            String expr = sec + " */" + step + " " + rnd.nextInt(24) + "-23 * * *";
            CronExpression c = CronExpression.parse(expr);
            Instant t = at("2026-03-07T00:00:00", ny);
            List<Instant> fired = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                Instant n = c.next(t, ny);
                assertTrue(n.isAfter(t), expr);
                fired.add(n);
                t = n;
                ZonedDateTime z = n.atZone(ny);
                assertEquals(sec, z.getSecond(), expr);
                assertEquals(0, z.getMinute() % step, expr + " at " + z);
            }
            assertEquals(fired.size(), fired.stream().distinct().count());
        }
    }
}
