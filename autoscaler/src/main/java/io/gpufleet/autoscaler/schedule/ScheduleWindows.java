package io.gpufleet.autoscaler.schedule;

import io.gpufleet.autoscaler.policy.ScalingPolicy;
import io.gpufleet.autoscaler.policy.ScalingPolicy.Schedule;

import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

/**
 * Cron windows ("timed elasticity"): a window is active from each firing of its cron expression for its
 * duration. Active windows replace the policy's min and max; when several are active the largest min and
 * the largest max win (a window exists to guarantee capacity, so the most generous one applies), and max
 * is never below min.
 */
public final class ScheduleWindows {
    private final int baseMin;
    private final int baseMax;
    private final List<Compiled> windows;

    private record Compiled(Schedule schedule, CronExpression cron, ZoneId zone) {}

    /** Compiles a policy's schedules (the loader has validated them). */
    public ScheduleWindows(ScalingPolicy policy) {
        this(policy.minReplicas(), policy.maxReplicas(), policy.schedules());
    }

    /** Compiles schedules over explicit base bounds. */
    public ScheduleWindows(int baseMin, int baseMax, List<Schedule> schedules) {
        this.baseMin = baseMin;
        this.baseMax = baseMax;
        List<Compiled> c = new ArrayList<>();
        for (Schedule s : schedules) {
            c.add(new Compiled(s, CronExpression.parse(s.cron()), ZoneId.of(s.timeZone())));
        }
        this.windows = List.copyOf(c);
    }

    /** True when a window that fires on {@code cron} and lasts {@code durationSeconds} covers {@code now}. */
    public static boolean active(CronExpression cron, ZoneId zone, long durationSeconds, Instant now) {
        // Active iff some firing f has now - duration < f <= now.
        Instant f = cron.next(now.minusSeconds(durationSeconds), zone);
        return f != null && !f.isAfter(now);
    }

    /** The bounds in force at {@code now}. */
    public ReplicaBounds at(Instant now) {
        Integer min = null;
        Integer max = null;
        List<String> names = new ArrayList<>();
        for (Compiled w : windows) {
            if (!active(w.cron(), w.zone(), w.schedule().durationSeconds(), now)) {
                continue;
            }
            names.add(w.schedule().name());
            if (w.schedule().minReplicas().isPresent()) {
                min = Math.max(min == null ? 0 : min, w.schedule().minReplicas().get());
            }
            if (w.schedule().maxReplicas().isPresent()) {
                max = Math.max(max == null ? 0 : max, w.schedule().maxReplicas().get());
            }
        }
        int lo = min == null ? baseMin : min;
        int hi = max == null ? baseMax : max;
        return new ReplicaBounds(lo, Math.max(lo, hi), names);
    }
}
