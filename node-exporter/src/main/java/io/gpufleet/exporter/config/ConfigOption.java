package io.gpufleet.exporter.config;

import java.time.Duration;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One configuration option, declared once: its name (the flag is {@code --name}, the file key is
 * {@code name}), environment variable, default, documentation, parser and validity check.
 *
 * @param <T> the parsed type
 */
public record ConfigOption<T>(String name, String env, String defaultValue, String doc, Function<String, T> parser,
                              Predicate<T> valid, String validDoc) {

    public T parse(String raw) {
        T v;
        try {
            v = parser.apply(raw.trim());
        } catch (RuntimeException e) {
            throw new ConfigException(name, "cannot parse '" + raw + "': " + e.getMessage());
        }
        if (!valid.test(v)) throw new ConfigException(name, "must be " + validDoc + ", was '" + raw + "'");
        return v;
    }

    /** The same option read from another environment variable (each component has its own prefix). */
    public ConfigOption<T> withEnv(String environmentVariable) {
        return new ConfigOption<>(name, environmentVariable, defaultValue, doc, parser, valid, validDoc);
    }

    public static ConfigOption<Boolean> bool(String name, boolean def, String doc) {
        return new ConfigOption<>(name, envName(name), Boolean.toString(def), doc, s -> {
            if (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false")) return Boolean.parseBoolean(s);
            throw new IllegalArgumentException("must be true or false");
        }, v -> true, "true or false");
    }

    public static ConfigOption<Double> ratio(String name, double def, String doc) {
        return new ConfigOption<>(name, envName(name), Double.toString(def), doc, Double::parseDouble,
                v -> v >= 0 && v <= 1, "a number within 0..1");
    }

    public static ConfigOption<String> string(String name, String def, String doc) {
        return new ConfigOption<>(name, envName(name), def, doc, s -> s, s -> true, "any text");
    }

    public static ConfigOption<Integer> integer(String name, int def, int min, int max, String doc) {
        return new ConfigOption<>(name, envName(name), Integer.toString(def), doc, Integer::parseInt,
                v -> v >= min && v <= max, "an integer within " + min + ".." + max);
    }

    public static ConfigOption<Long> longValue(String name, long def, String doc) {
        return new ConfigOption<>(name, envName(name), Long.toString(def), doc, Long::parseLong, v -> true, "an integer");
    }

    public static ConfigOption<Duration> duration(String name, String def, Duration min, String doc) {
        return new ConfigOption<>(name, envName(name), def, doc, ConfigOption::parseDuration,
                d -> d.compareTo(min) >= 0, "a duration of at least " + format(min) + " (e.g. 500ms, 1s, 5m, 1h)");
    }

    public static <E extends Enum<E>> ConfigOption<E> choice(String name, E def, Class<E> type, String doc) {
        StringBuilder names = new StringBuilder();
        for (E e : type.getEnumConstants()) names.append(names.length() == 0 ? "" : ", ").append(label(e));
        return new ConfigOption<>(name, envName(name), label(def), doc + " One of: " + names + ".",
                s -> {
                    for (E e : type.getEnumConstants()) {
                        if (label(e).equalsIgnoreCase(s) || e.name().equalsIgnoreCase(s.replace('-', '_').replace('/', '_'))) return e;
                    }
                    throw new IllegalArgumentException("must be one of " + names);
                },
                v -> true, "one of " + names);
    }

    public static String label(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** GPUFLEET_EXPORTER_ plus the name in upper snake case. */
    public static String envName(String name) {
        return "GPUFLEET_EXPORTER_" + name.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** Parses {@code 250ms}, {@code 1s}, {@code 5m}, {@code 2h}, {@code 1d}, or ISO-8601 {@code PT1S}. */
    public static Duration parseDuration(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        if (t.startsWith("pt") || t.startsWith("p")) return Duration.parse(s.trim().toUpperCase(Locale.ROOT));
        int i = 0;
        while (i < t.length() && (Character.isDigit(t.charAt(i)) || t.charAt(i) == '.')) i++;
        if (i == 0) throw new IllegalArgumentException("expected a number followed by ms, s, m, h or d");
        double n = Double.parseDouble(t.substring(0, i));
        String unit = t.substring(i).trim();
        double millis = switch (unit) {
            case "ms" -> n;
            case "s", "" -> n * 1000;
            case "m" -> n * 60_000;
            case "h" -> n * 3_600_000;
            case "d" -> n * 86_400_000;
            default -> throw new IllegalArgumentException("unknown unit '" + unit + "' (use ms, s, m, h or d)");
        };
        return Duration.ofMillis(Math.round(millis));
    }

    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0 && ms > 0) return ms / 3_600_000 + "h";
        if (ms % 60_000 == 0 && ms > 0) return ms / 60_000 + "m";
        if (ms % 1000 == 0) return ms / 1000 + "s";
        return ms + "ms";
    }
}
