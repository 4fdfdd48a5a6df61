package io.gpufleet.autoscaler.schedule;

import io.gpufleet.autoscaler.policy.ScalingPolicy.Schedule;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScheduleWindowsTest {
    static final ZoneId PARIS = ZoneId.of("Europe/Paris");

    static Instant paris(String iso) {
        return LocalDateTime.parse(iso).atZone(PARIS).toInstant();
    }

    @Test
    void windowRaisesMinForItsDurationOnly() {
        ScheduleWindows w = new ScheduleWindows(2, 20, List.of(
                new Schedule("evening", "0 0 18 * * *", "Europe/Paris", 4 * 3600, Optional.of(10), Optional.empty())));
        assertEquals(new ReplicaBounds(2, 20, List.of()), w.at(paris("2026-11-23T17:59:59")));
        assertEquals(new ReplicaBounds(10, 20, List.of("evening")), w.at(paris("2026-11-23T18:00:00")));
        assertEquals(10, w.at(paris("2026-11-23T21:59:59")).minReplicas());
        assertEquals(2, w.at(paris("2026-11-23T22:00:00")).minReplicas());
    }

    @Test
    void windowsOverlappingMidnightAndSeveralActive() {
        ScheduleWindows w = new ScheduleWindows(1, 10, List.of(
                new Schedule("night", "0 0 23 * * *", "Europe/Paris", 3 * 3600, Optional.empty(), Optional.of(3)),
                new Schedule("batch", "0 0 1 * * *", "Europe/Paris", 3600, Optional.of(5), Optional.of(4))));
        assertEquals(new ReplicaBounds(1, 3, List.of("night")), w.at(paris("2026-11-24T00:30:00")));
        // both active: the largest min (5) and the largest max (4) -> max raised to min
        assertEquals(new ReplicaBounds(5, 5, List.of("night", "batch")), w.at(paris("2026-11-24T01:30:00")));
    }

    @Test
    void windowLengthIsElapsedTimeAcrossDstChanges() {
        // 01:00 local + 3 h elapsed: on the fall-back night that ends at 03:00 local (one hour repeats),
        // on the spring-forward night at 05:00 local.
        ScheduleWindows w = new ScheduleWindows(1, 10, List.of(
                new Schedule("n", "0 0 1 * * *", "Europe/Paris", 3 * 3600, Optional.of(6), Optional.empty())));
        assertTrue(w.at(paris("2026-10-25T02:59:59")).activeSchedules().contains("n"));
        assertFalse(w.at(paris("2026-10-25T03:00:00")).activeSchedules().contains("n"));
        assertTrue(w.at(paris("2026-03-29T04:59:59")).activeSchedules().contains("n"));
        assertFalse(w.at(paris("2026-03-29T05:00:00")).activeSchedules().contains("n"));
        assertTrue(w.at(paris("2026-03-29T01:00:00")).activeSchedules().contains("n"));
        assertFalse(w.at(paris("2026-03-29T00:59:59")).activeSchedules().contains("n"));
    }
}
