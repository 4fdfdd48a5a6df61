package io.gpufleet.autoscaler.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class DailyShapeTest {
    private static Instant at(String day, String time) {
        return Instant.parse(day + "T" + time + "Z");
    }

    @Test
    void forecastIsTheMedianPeakOfTheSlotOverPastDays() {
        DailyShape s = new DailyShape(7, 2, ZoneOffset.UTC);
        s.record(at("2026-11-01", "12:01:00"), 3);
        s.record(at("2026-11-01", "12:05:00"), 4);   // the slot's peak that day
        assertTrue(s.forecast(at("2026-11-02", "12:07:00")).isEmpty(), "one day is below the minimum of two");
        s.record(at("2026-11-02", "12:09:59"), 6);
        s.record(at("2026-11-03", "12:00:00"), 5);
        s.record(at("2026-11-04", "12:03:00"), 100); // today: not used for today's forecast
        assertEquals(5.0, s.forecast(at("2026-11-04", "12:07:00")).getAsDouble(), "median of 4, 6, 5");
        assertTrue(s.forecast(at("2026-11-04", "12:10:00")).isEmpty(), "the next slot has no history");
        assertEquals(5.5, s.forecast(at("2026-11-05", "12:00:00")).getAsDouble(), "median of 4, 6, 5, 100 over four days");
    }

    @Test
    void oldDaysLeaveTheHistory() {
        DailyShape s = new DailyShape(2, 1, ZoneOffset.UTC);
        s.record(at("2026-11-01", "08:00:00"), 9);
        s.record(at("2026-11-02", "08:00:00"), 2);
        s.record(at("2026-11-03", "08:00:00"), 4);
        assertEquals(3.0, s.forecast(at("2026-11-04", "08:05:00")).getAsDouble(), "only Nov 2 and 3 are kept");
    }

    @Test
    void daysAndSlotsFollowTheTimeZone() {
        DailyShape s = new DailyShape(7, 1, ZoneId.of("Europe/Berlin"));
        s.record(at("2026-11-01", "23:05:00"), 7); // 00:05 on Nov 2 in Berlin
        assertEquals(7.0, s.forecast(at("2026-11-02", "23:02:00")).getAsDouble(), "00:02 on Nov 3 in Berlin, same slot");
        assertTrue(s.forecast(at("2026-11-02", "00:05:00")).isEmpty(), "01:05 in Berlin: another slot");
    }
}
