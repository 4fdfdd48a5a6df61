package io.gpufleet.scheduler.simulator;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads trace node and pod lists in the Alibaba GPU trace (v2023) CSV format. Columns are found by their header
 * name, so any file of that shape works (extra columns are ignored; {@code gpu_spec}, {@code creation_time} and
 * {@code deletion_time} are optional). Every error names the file, the line and the column.
 */
public final class TraceCsv {
    private TraceCsv() {}

    public static List<TraceNode> readNodes(Path file) {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return readNodes(r, file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read node list " + file + ": " + e.getMessage(), e);
        }
    }

    public static List<TracePod> readPods(Path file) {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return readPods(r, file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read pod list " + file + ": " + e.getMessage(), e);
        }
    }

    /** Node list: {@code sn,cpu_milli,memory_mib,gpu,model}. */
    public static List<TraceNode> readNodes(Reader in, String file) throws IOException {
        Table t = new Table(in, file, List.of("sn", "cpu_milli", "memory_mib", "gpu", "model"), List.of());
        List<TraceNode> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        while (t.next()) {
            String name = t.text("sn", true);
            if (!names.add(name)) throw t.error("sn", "duplicate node name '" + name + "'");
            long cpu = t.number("cpu_milli", 0, 100_000_000);
            long mem = t.number("memory_mib", 0, Long.MAX_VALUE / 4);
            int gpus = (int) t.number("gpu", 0, 32);
            String model = t.text("model", false);
            if (gpus > 0 && model.isEmpty()) throw t.error("model", "a node with " + gpus + " GPUs needs a model");
            out.add(new TraceNode(name, cpu, mem, gpus, model));
        }
        if (out.isEmpty()) throw new TraceFormatException(file + ": no nodes");
        return out;
    }

    /** Pod list: {@code name,cpu_milli,memory_mib,num_gpu,gpu_milli} and optionally gpu_spec, creation/deletion time. */
    public static List<TracePod> readPods(Reader in, String file) throws IOException {
        Table t = new Table(in, file, List.of("name", "cpu_milli", "memory_mib", "num_gpu", "gpu_milli"),
                List.of("gpu_spec", "creation_time", "deletion_time"));
        List<TracePod> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        while (t.next()) {
            String name = t.text("name", true);
            if (!names.add(name)) throw t.error("name", "duplicate pod name '" + name + "'");
            long cpu = t.number("cpu_milli", 0, 100_000_000);
            long mem = t.number("memory_mib", 0, Long.MAX_VALUE / 4);
            int k = (int) t.number("num_gpu", 0, 32);
            int milli = (int) t.number("gpu_milli", 0, 1000);
            if (k == 0 && milli != 0) throw t.error("gpu_milli", milli + " asked with num_gpu 0");
            if (k > 0 && milli == 0) throw t.error("gpu_milli", "is 0 with num_gpu " + k);
            if (k > 1 && milli != 1000) throw t.error("gpu_milli", milli + " below 1000 is only allowed with num_gpu 1, num_gpu is " + k);
            Set<String> models = new LinkedHashSet<>();
            if (t.has("gpu_spec")) {
                for (String m : t.text("gpu_spec", false).split("\\|")) if (!m.isBlank()) models.add(m.trim());
            }
            long created = t.has("creation_time") ? t.optionalNumber("creation_time") : -1;
            long deleted = t.has("deletion_time") ? t.optionalNumber("deletion_time") : -1;
            out.add(new TracePod(name, cpu, mem, k, milli, models, created, deleted));
        }
        if (out.isEmpty()) throw new TraceFormatException(file + ": no pods");
        return out;
    }

    /** A header-indexed CSV (no quoting: the trace has none). */
    private static final class Table {
        private final BufferedReader in;
        private final String file;
        private final Map<String, Integer> col = new HashMap<>();
        private String[] cells;
        private int line;

        Table(Reader r, String file, List<String> required, List<String> optional) throws IOException {
            this.in = r instanceof BufferedReader b ? b : new BufferedReader(r);
            this.file = file;
            String header = in.readLine();
            line = 1;
            if (header == null) throw new TraceFormatException(file + ":1: empty file, expected a header " + String.join(",", required));
            if (header.startsWith("\uFEFF")) header = header.substring(1);
            String[] h = header.split(",", -1);
            for (int i = 0; i < h.length; i++) col.putIfAbsent(h[i].trim(), i);
            for (String c : required) {
                if (!col.containsKey(c)) {
                    throw new TraceFormatException(file + ":1: missing column '" + c + "' (header: " + header + ")");
                }
            }
        }

        boolean next() throws IOException {
            String s;
            do {
                s = in.readLine();
                line++;
                if (s == null) return false;
            } while (s.isBlank());
            cells = s.split(",", -1);
            return true;
        }

        boolean has(String c) {
            return col.containsKey(c);
        }

        TraceFormatException error(String c, String what) {
            return new TraceFormatException(file + ":" + line + ": column " + (col.get(c) + 1) + " (" + c + "): " + what);
        }

        String text(String c, boolean required) {
            int i = col.get(c);
            if (i >= cells.length) {
                if (!required) return "";
                throw error(c, "missing (the line has " + cells.length + " fields)");
            }
            String v = cells[i].trim();
            if (required && v.isEmpty()) throw error(c, "is empty");
            return v;
        }

        long number(String c, long min, long max) {
            String v = text(c, true);
            long x;
            try {
                x = Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw error(c, "'" + v + "' is not an integer");
            }
            if (x < min || x > max) throw error(c, x + " is outside " + min + ".." + max);
            return x;
        }

        long optionalNumber(String c) {
            String v = text(c, false);
            if (v.isEmpty()) return -1;
            try {
                long x = Long.parseLong(v);
                if (x < 0) throw error(c, x + " is negative");
                return x;
            } catch (NumberFormatException e) {
                throw error(c, "'" + v + "' is not an integer");
            }
        }
    }
}
