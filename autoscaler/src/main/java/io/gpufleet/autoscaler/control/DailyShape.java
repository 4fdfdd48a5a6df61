package io.gpufleet.autoscaler.control;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;

/**
 * The daily shape of a target's demand: per day (in a time zone) and 10-minute slot, the peak of the replicas its
 * metrics asked for. A forecast for an instant is the median, over the previous days, of the peak of that instant's
 * slot. Today is not used (its slot may be half over); days older than the history are dropped. In memory: a
 * restarted controller learns again.
 */
public final class DailyShape {
    /** Slot length; a cold start is usually shorter, so one slot ahead covers it. */
    public static final int SLOT_SECONDS = 600;
    private static final int SLOTS = 86_400 / SLOT_SECONDS;

    private final int historyDays;
    private final int minDays;
    private final ZoneId zone;
    private final TreeMap<LocalDate, double[]> days = new TreeMap<>();

    public DailyShape(int historyDays, int minDays, ZoneId zone) {
        if (historyDays < 1 || minDays < 1 || minDays > historyDays) {
            throw new IllegalArgumentException("historyDays " + historyDays + ", minDays " + minDays);
        }
        this.historyDays = historyDays;
        this.minDays = minDays;
        this.zone = zone;
    }

    /** Records what the metrics asked for at {@code t} (NaN or negative values are ignored). */
    public void record(Instant t, double replicas) {
        if (!(replicas >= 0)) return;
        ZonedDateTime z = t.atZone(zone);
        double[] day = days.computeIfAbsent(z.toLocalDate(), d -> {
            double[] a = new double[SLOTS];
            Arrays.fill(a, Double.NaN);
            return a;
        });
        int slot = slot(z);
        day[slot] = Double.isNaN(day[slot]) ? replicas : Math.max(day[slot], replicas);
        LocalDate oldest = z.toLocalDate().minusDays(historyDays);
        while (!days.isEmpty() && days.firstKey().isBefore(oldest)) days.pollFirstEntry();
    }

    /**
     * The median peak of {@code at}'s slot over the days before {@code at}'s day (within the history), or empty
     * while fewer than the minimum of days have data for that slot.
     */
    public OptionalDouble forecast(Instant at) {
        ZonedDateTime z = at.atZone(zone);
        LocalDate today = z.toLocalDate();
        int slot = slot(z);
        List<Double> seen = new ArrayList<>();
        for (Map.Entry<LocalDate, double[]> e : days.headMap(today, false).entrySet()) {
            if (e.getKey().isBefore(today.minusDays(historyDays))) continue;
            double v = e.getValue()[slot];
            if (!Double.isNaN(v)) seen.add(v);
        }
        if (seen.size() < minDays) return OptionalDouble.empty();
        seen.sort(null);
        int n = seen.size();
        return OptionalDouble.of(n % 2 == 1 ? seen.get(n / 2) : (seen.get(n / 2 - 1) + seen.get(n / 2)) / 2);
    }

    private static int slot(ZonedDateTime z) {
        return Math.min(SLOTS - 1, z.toLocalTime().toSecondOfDay() / SLOT_SECONDS);
    }
}
