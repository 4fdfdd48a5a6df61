package io.gpufleet.autoscaler.schedule;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.BitSet;
import java.util.Locale;
import java.util.Objects;

/**
 * A six-field cron expression with seconds: {@code second minute hour day-of-month month day-of-week}.
 * Fields accept {@code *}, {@code ?} (day fields), lists {@code a,b}, ranges {@code a-b}, steps
 * {@code * /n} and {@code a-b/n}, month names (JAN..DEC) and day names (SUN..SAT, 0 and 7 both Sunday).
 * When both day fields are restricted a day matches either (classic cron).
 *
 * <p>Times are local to a zone. Across daylight-saving changes a local time that does not exist
 * (spring forward) fires later by the length of the gap (02:30 becomes 03:30, as java.time resolves it),
 * and a local time that occurs twice (fall back) fires once, at its first occurrence.
 */
public final class CronExpression {
    private static final String[] MONTHS = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
    private static final String[] DAYS = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};
    /** Search horizon: an expression such as Feb 30 never fires; stop looking after this many days. */
    private static final int MAX_DAYS = 366 * 5;

    private final String text;
    private final BitSet seconds;
    private final BitSet minutes;
    private final BitSet hours;
    private final BitSet daysOfMonth;
    private final BitSet months;
    private final BitSet daysOfWeek;
    private final boolean domRestricted;
    private final boolean dowRestricted;

    private CronExpression(String text, BitSet seconds, BitSet minutes, BitSet hours, BitSet daysOfMonth,
                           BitSet months, BitSet daysOfWeek, boolean domRestricted, boolean dowRestricted) {
        this.text = text;
        this.seconds = seconds;
        this.minutes = minutes;
        this.hours = hours;
        this.daysOfMonth = daysOfMonth;
        this.months = months;
        this.daysOfWeek = daysOfWeek;
        this.domRestricted = domRestricted;
        this.dowRestricted = dowRestricted;
    }

    /**
     * Parses an expression.
     *
     * @throws IllegalArgumentException naming the offending field
     */
    public static CronExpression parse(String text) {
        Objects.requireNonNull(text, "cron expression");
        String[] f = text.trim().split("\\s+");
        if (f.length != 6) {
            throw new IllegalArgumentException("expected 6 fields (second minute hour day-of-month month day-of-week), got "
                    + f.length + " in '" + text + "'");
        }
        BitSet sec = field(f[0], "second", 0, 59, null, false);
        BitSet min = field(f[1], "minute", 0, 59, null, false);
        BitSet hr = field(f[2], "hour", 0, 23, null, false);
        BitSet dom = field(f[3], "day-of-month", 1, 31, null, true);
        BitSet mon = field(f[4], "month", 1, 12, MONTHS, false);
        BitSet dow = field(f[5], "day-of-week", 0, 7, DAYS, true);
        if (dow.get(7)) {
            dow.set(0);
            dow.clear(7);
        }
        return new CronExpression(text.trim(), sec, min, hr, dom, mon, dow,
                !isWildcard(f[3]), !isWildcard(f[5]));
    }

    private static boolean isWildcard(String f) {
        return f.equals("*") || f.equals("?");
    }

    private static BitSet field(String spec, String name, int lo, int hi, String[] names, boolean allowQuestion) {
        BitSet bits = new BitSet(hi + 1);
        if (spec.equals("?")) {
            if (!allowQuestion) {
                throw new IllegalArgumentException(name + ": '?' is only allowed in day-of-month and day-of-week");
            }
            bits.set(lo, hi + 1);
            return bits;
        }
        for (String part : spec.split(",", -1)) {
            if (part.isEmpty()) {
                throw new IllegalArgumentException(name + ": empty list element in '" + spec + "'");
            }
            int step = 1;
            String range = part;
            int slash = part.indexOf('/');
            if (slash >= 0) {
                range = part.substring(0, slash);
                step = number(part.substring(slash + 1), name, null);
                if (step <= 0) {
                    throw new IllegalArgumentException(name + ": step must be positive in '" + part + "'");
                }
            }
            int from;
            int to;
            if (range.equals("*")) {
                from = lo;
                to = hi;
            } else {
                int dash = range.indexOf('-');
                if (dash > 0) {
                    from = number(range.substring(0, dash), name, names);
                    to = number(range.substring(dash + 1), name, names);
                } else {
                    from = number(range, name, names);
                    to = slash >= 0 ? hi : from;
                }
            }
            if (from < lo || to > hi || from > to) {
                throw new IllegalArgumentException(name + ": '" + part + "' outside " + lo + "-" + hi);
            }
            for (int v = from; v <= to; v += step) {
                bits.set(v);
            }
        }
        return bits;
    }

    private static int number(String s, String name, String[] names) {
        if (names != null) {
            String up = s.toUpperCase(Locale.ROOT);
            for (int i = 0; i < names.length; i++) {
                if (names[i].equals(up)) {
                    return names == MONTHS ? i + 1 : i;
                }
            }
        }
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": '" + s + "' is not a number" + (names != null ? " or a name" : ""));
        }
    }

    /** The first firing strictly after {@code after}, or null when it never fires again within five years. */
    public Instant next(Instant after, ZoneId zone) {
        // Start an hour early in local time so a fall-back overlap is not skipped; results are filtered by instant.
        LocalDateTime start = LocalDateTime.ofInstant(after, zone).minusHours(2);
        LocalDate day = start.toLocalDate();
        LocalTime from = start.toLocalTime();
        for (int d = 0; d < MAX_DAYS; d++, day = day.plusDays(1), from = LocalTime.MIDNIGHT) {
            if (!dayMatches(day)) {
                continue;
            }
            for (int h = hours.nextSetBit(d == 0 ? from.getHour() : 0); h >= 0; h = hours.nextSetBit(h + 1)) {
                boolean firstHour = d == 0 && h == from.getHour();
                for (int m = minutes.nextSetBit(firstHour ? from.getMinute() : 0); m >= 0; m = minutes.nextSetBit(m + 1)) {
                    boolean firstMinute = firstHour && m == from.getMinute();
                    for (int s = seconds.nextSetBit(firstMinute ? from.getSecond() : 0); s >= 0; s = seconds.nextSetBit(s + 1)) {
                        LocalDateTime local = LocalDateTime.of(day, LocalTime.of(h, m, s));
                        Instant candidate = resolve(local, zone);
                        if (candidate.isAfter(after)) {
                            return candidate;
                        }
                    }
                }
            }
        }
        return null;
    }

    /** The local time mapped to an instant: gaps move forward by the gap, overlaps take the first occurrence. */
    private static Instant resolve(LocalDateTime local, ZoneId zone) {
        return ZonedDateTime.ofLocal(local, zone, null).toInstant();
    }

    private boolean dayMatches(LocalDate day) {
        if (!months.get(day.getMonthValue())) {
            return false;
        }
        boolean dom = daysOfMonth.get(day.getDayOfMonth());
        int dowIndex = day.getDayOfWeek() == DayOfWeek.SUNDAY ? 0 : day.getDayOfWeek().getValue();
        boolean dow = daysOfWeek.get(dowIndex);
        if (domRestricted && dowRestricted) {
            return dom || dow;
        }
        return dom && dow;
    }

    @Override
    public String toString() {
        return text;
    }
}
