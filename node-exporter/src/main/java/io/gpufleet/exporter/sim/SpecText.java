package io.gpufleet.exporter.sim;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsing of the small quantities that appear in compact specs: durations and byte sizes. */
final class SpecText {
    private SpecText() {}

    private static final Pattern DURATION_PART = Pattern.compile("(\\d+)(ms|s|m|h)");
    private static final Pattern BYTES = Pattern.compile("(\\d+)(|B|KiB|MiB|GiB|K|M|G)");

    /**
     * Parses {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, and sums such as {@code 1m30s}.
     *
     * @return the duration, or null when the text is not one
     */
    static Duration duration(String text) {
        if (text == null || text.isEmpty()) return null;
        Matcher m = DURATION_PART.matcher(text);
        Duration d = Duration.ZERO;
        int at = 0;
        while (at < text.length()) {
            if (!m.find(at) || m.start() != at) return null;
            long n;
            try {
                n = Long.parseLong(m.group(1));
            } catch (NumberFormatException e) {
                return null;
            }
            d = d.plus(switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            });
            at = m.end();
        }
        return d;
    }

    /** Parses {@code 1048576}, {@code 64MiB}, {@code 1G} (binary units); null when the text is not one. */
    static Long bytes(String text) {
        if (text == null) return null;
        Matcher m = BYTES.matcher(text);
        if (!m.matches()) return null;
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            return null;
        }
        long unit = switch (m.group(2)) {
            case "KiB", "K" -> 1024L;
            case "MiB", "M" -> 1024L * 1024;
            case "GiB", "G" -> 1024L * 1024 * 1024;
            default -> 1L;
        };
        if (n > Long.MAX_VALUE / unit) return null;
        return n * unit;
    }

    /** A duration in the shortest spec form, e.g. {@code 90s}, {@code 5m}, {@code 250ms}. */
    static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0 && ms > 0) return ms / 3_600_000 + "h";
        if (ms % 60_000 == 0 && ms > 0) return ms / 60_000 + "m";
        if (ms % 1000 == 0) return ms / 1000 + "s";
        return ms + "ms";
    }
}
