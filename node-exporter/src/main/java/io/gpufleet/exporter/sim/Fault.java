package io.gpufleet.exporter.sim;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A fault the simulator can inject into one GPU. Each kind shows up where NVML would show it: events
 * through {@code awaitEvents}, counters and flags in the readings, clock-event reasons.
 *
 * <p>Text form (used in scheduled-fault specs): {@code xid=79}, {@code ecc_dbe}, {@code ecc_sbe=3},
 * {@code thermal=60s}, {@code fall_off_bus}, {@code memory_leak=64MiB}, {@code row_remap_failure},
 * {@code power_brake=30s}.
 */
public sealed interface Fault {

    /** The type key used in specs and the HTTP API, e.g. {@code xid}. */
    String type();

    /** The parameters by their HTTP API names (empty for parameterless faults). */
    default Map<String, Object> params() {
        return Map.of();
    }

    /** How long the fault lasts on its own, or null when it stays until cleared. */
    default Duration duration() {
        return null;
    }

    /** The text form {@link #parse} reads back. */
    String toSpec();

    /** An XID error. 79 (fallen off the bus) makes the GPU lost; 48 is a double-bit ECC error. */
    record Xid(long code) implements Fault {
        public Xid {
            if (code <= 0 || code > 1023) throw new InvalidFieldException("xid", "must be within 1..1023, was " + code);
        }

        @Override
        public String type() {
            return "xid";
        }

        @Override
        public Map<String, Object> params() {
            return Map.of("xid", code);
        }

        @Override
        public String toSpec() {
            return "xid=" + code;
        }
    }

    /** An uncorrectable ECC error: DBE counters +1, a page retired or a row remap pending, XID 48. */
    record EccDoubleBit() implements Fault {
        @Override
        public String type() {
            return "ecc_dbe";
        }

        @Override
        public String toSpec() {
            return "ecc_dbe";
        }
    }

    /** Corrected ECC errors: the single-bit counters grow by {@code count}. */
    record EccSingleBit(long count) implements Fault {
        public EccSingleBit {
            if (count < 1 || count > 1_000_000) {
                throw new InvalidFieldException("count", "must be within 1..1000000, was " + count);
            }
        }

        @Override
        public String type() {
            return "ecc_sbe";
        }

        @Override
        public Map<String, Object> params() {
            return Map.of("count", count);
        }

        @Override
        public String toSpec() {
            return "ecc_sbe=" + count;
        }
    }

    /** Cooling fails for a while: the temperature climbs past the slowdown threshold (HW thermal slowdown). */
    record ThermalSlowdown(Duration duration) implements Fault {
        public ThermalSlowdown {
            requirePositive(duration);
        }

        @Override
        public String type() {
            return "thermal";
        }

        @Override
        public Map<String, Object> params() {
            return Map.of("durationSeconds", duration.toMillis() / 1000.0);
        }

        @Override
        public String toSpec() {
            return "thermal=" + SpecText.format(duration);
        }
    }

    /** The GPU falls off the bus: XID 79, every read answers GPU_IS_LOST until cleared. */
    record FallOffBus() implements Fault {
        @Override
        public String type() {
            return "fall_off_bus";
        }

        @Override
        public String toSpec() {
            return "fall_off_bus";
        }
    }

    /** Memory in use grows by {@code bytesPerSecond} (up to the GPU's total) until cleared. */
    record MemoryLeak(long bytesPerSecond) implements Fault {
        public MemoryLeak {
            if (bytesPerSecond <= 0) {
                throw new InvalidFieldException("bytesPerSecond", "must be > 0, was " + bytesPerSecond);
            }
        }

        @Override
        public String type() {
            return "memory_leak";
        }

        @Override
        public Map<String, Object> params() {
            return Map.of("bytesPerSecond", bytesPerSecond);
        }

        @Override
        public String toSpec() {
            return "memory_leak=" + bytesPerSecond;
        }
    }

    /** A row remap failed (no spare rows): ROW_REMAP_FAILURE 1 and XID 64. Ampere and newer only. */
    record RowRemapFailure() implements Fault {
        @Override
        public String type() {
            return "row_remap_failure";
        }

        @Override
        public String toSpec() {
            return "row_remap_failure";
        }
    }

    /** The board asserts power brake for a while: HW power-brake slowdown, clocks and power drop. */
    record PowerBrake(Duration duration) implements Fault {
        public PowerBrake {
            requirePositive(duration);
        }

        @Override
        public String type() {
            return "power_brake";
        }

        @Override
        public Map<String, Object> params() {
            return Map.of("durationSeconds", duration.toMillis() / 1000.0);
        }

        @Override
        public String toSpec() {
            return "power_brake=" + SpecText.format(duration);
        }
    }

    /** The type keys, in the order of this file. */
    static String[] types() {
        return new String[] {"xid", "ecc_dbe", "ecc_sbe", "thermal", "fall_off_bus", "memory_leak",
                "row_remap_failure", "power_brake"};
    }

    /**
     * Parses the text form, e.g. {@code xid=79} or {@code thermal=2m}.
     *
     * @throws InvalidFieldException naming {@code fault} or the parameter that is wrong
     */
    static Fault parse(String text) {
        if (text == null || text.isBlank()) throw new InvalidFieldException("fault", "is empty");
        String t = text.trim();
        int eq = t.indexOf('=');
        String type = (eq < 0 ? t : t.substring(0, eq)).toLowerCase(Locale.ROOT);
        String arg = eq < 0 ? null : t.substring(eq + 1);
        return switch (type) {
            case "xid" -> new Xid(longArg(type, "xid", arg));
            case "ecc_dbe" -> noArg(type, arg, new EccDoubleBit());
            case "ecc_sbe" -> new EccSingleBit(arg == null ? 1 : longArg(type, "count", arg));
            case "thermal" -> new ThermalSlowdown(arg == null ? Duration.ofSeconds(60) : durationArg(type, arg));
            case "fall_off_bus" -> noArg(type, arg, new FallOffBus());
            case "memory_leak" -> new MemoryLeak(bytesArg(type, arg));
            case "row_remap_failure" -> noArg(type, arg, new RowRemapFailure());
            case "power_brake" -> new PowerBrake(arg == null ? Duration.ofSeconds(30) : durationArg(type, arg));
            default -> throw new InvalidFieldException("fault",
                    "unknown fault type '" + type + "' (known: " + String.join(", ", types()) + ")");
        };
    }

    /** The parameters of a fault, for listings. */
    static Map<String, Object> describe(Fault f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", f.type());
        m.putAll(f.params());
        return m;
    }

    private static Fault noArg(String type, String arg, Fault f) {
        if (arg != null) throw new InvalidFieldException("fault", type + " takes no value, got '" + arg + "'");
        return f;
    }

    private static long longArg(String type, String field, String arg) {
        if (arg == null) throw new InvalidFieldException(field, type + " needs a value, e.g. " + type + "=79");
        try {
            return Long.parseLong(arg.trim());
        } catch (NumberFormatException e) {
            throw new InvalidFieldException(field, "'" + arg + "' is not a whole number");
        }
    }

    private static Duration durationArg(String type, String arg) {
        Duration d = SpecText.duration(arg.trim());
        if (d == null) {
            throw new InvalidFieldException("duration", type + ": '" + arg + "' is not a duration like 30s, 5m, 1h");
        }
        return d;
    }

    private static long bytesArg(String type, String arg) {
        if (arg == null) throw new InvalidFieldException("bytesPerSecond", type + " needs a rate, e.g. " + type + "=64MiB");
        Long b = SpecText.bytes(arg.trim());
        if (b == null) {
            throw new InvalidFieldException("bytesPerSecond",
                    "'" + arg + "' is not a byte count like 1048576, 512KiB, 64MiB, 1GiB");
        }
        return b;
    }

    private static void requirePositive(Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new InvalidFieldException("duration", "must be > 0, was " + d);
        }
    }
}
