package io.gpufleet.autoscaler.replay;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * Reads a rate trace from any CSV with a time column and a rate or count column.
 * <ul>
 *   <li>Time: the first column named like {@code window_start_s}, {@code time}, {@code timestamp},
 *       {@code period}, {@code ts} or {@code second}; seconds, or a date-time ({@code yyyy-MM-dd HH:mm:ss},
 *       ISO-8601) read as UTC. Each row is a window starting there; its width is the most common gap
 *       between rows, and its centre is start + width / 2. Missing rows are gaps.</li>
 *   <li>Value: a column whose name contains {@code rate} or {@code rps} (requests/s), else one containing
 *       {@code count} or {@code requests} (per window, divided by the width).</li>
 *   <li>A row whose {@code active_clients} is 0 (ServeGen: every client reported zero) is a collection gap
 *       and dropped.</li>
 * </ul>
 * Count traces are shapes, scaled so the mean of λ is 200 requests/s (AUTOSCALER.md, worldcup98); rate
 * traces are replayed as they are.
 */
public final class TraceReader {
    /** Mean rate count-based traces are scaled to. */
    public static final double COUNT_TRACE_MEAN_RPS = 200.0;
    private static final DateTimeFormatter SPACE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);

    private TraceReader() {
    }

    /** Reads a file (gzip when it ends in .gz). */
    public static RateTrace read(Path file) throws IOException {
        InputStream in = Files.newInputStream(file);
        if (file.toString().endsWith(".gz")) in = new GZIPInputStream(in);
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            return read(file.getFileName().toString().replaceAll("\\.csv(\\.gz)?$", ""), r);
        }
    }

    /** Reads CSV text; {@code name} labels the trace and errors. */
    public static RateTrace read(String name, BufferedReader r) throws IOException {
        String header = r.readLine();
        if (header == null) throw new IllegalArgumentException(name + ": empty file");
        String[] cols = header.trim().toLowerCase(Locale.ROOT).split(",");
        int timeCol = -1;
        int rateCol = -1;
        int countCol = -1;
        int activeCol = -1;
        for (int i = 0; i < cols.length; i++) {
            String c = cols[i].trim();
            if (timeCol < 0 && (c.equals("window_start_s") || c.contains("time") || c.equals("period") || c.equals("ts")
                    || c.equals("second") || c.equals("minute") || c.equals("t"))) timeCol = i;
            else if (rateCol < 0 && (c.contains("rate") || c.contains("rps")) && !c.contains("share")) rateCol = i;
            else if (countCol < 0 && (c.contains("count") || c.equals("requests"))) countCol = i;
            if (c.equals("active_clients")) activeCol = i;
        }
        if (timeCol < 0) throw new IllegalArgumentException(name + ": no time column in header '" + header + "'");
        if (rateCol < 0 && countCol < 0) throw new IllegalArgumentException(name + ": no rate or count column in header '" + header + "'");
        boolean counts = rateCol < 0;
        int valueCol = counts ? countCol : rateCol;
        List<double[]> rows = new ArrayList<>();
        String line;
        int lineNo = 1;
        while ((line = r.readLine()) != null) {
            lineNo++;
            if (line.isBlank()) continue;
            String[] f = line.split(",");
            if (f.length <= Math.max(timeCol, valueCol)) throw new IllegalArgumentException(name + ": line " + lineNo + " has too few columns");
            if (activeCol >= 0 && activeCol < f.length && Double.parseDouble(f[activeCol].trim()) == 0) continue;
            double t = parseTime(f[timeCol].trim(), name, lineNo);
            double v;
            try {
                v = Double.parseDouble(f[valueCol].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + ": line " + lineNo + ": '" + f[valueCol] + "' is not a number");
            }
            if (v < 0 || Double.isNaN(v)) throw new IllegalArgumentException(name + ": line " + lineNo + ": negative rate");
            rows.add(new double[]{t, v});
        }
        if (rows.isEmpty()) throw new IllegalArgumentException(name + ": no data rows");
        rows.sort((a, b) -> Double.compare(a[0], b[0]));
        double origin = rows.get(0)[0];
        double width = commonGap(rows);
        double[] centres = new double[rows.size()];
        double[] rates = new double[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            centres[i] = rows.get(i)[0] - origin + width / 2;
            rates[i] = counts ? rows.get(i)[1] / width : rows.get(i)[1];
        }
        int duration = (int) Math.round(rows.get(rows.size() - 1)[0] - origin + width);
        RateTrace trace = new RateTrace(name, centres, rates, duration);
        return counts ? trace.scaledToMean(COUNT_TRACE_MEAN_RPS) : trace;
    }

    private static double commonGap(List<double[]> rows) {
        if (rows.size() < 2) return 60;
        double[] gaps = new double[rows.size() - 1];
        for (int i = 1; i < rows.size(); i++) gaps[i - 1] = rows.get(i)[0] - rows.get(i - 1)[0];
        Arrays.sort(gaps);
        double best = gaps[0];
        int bestRun = 0;
        for (int i = 0, j; i < gaps.length; i = j) {
            for (j = i; j < gaps.length && gaps[j] == gaps[i]; j++) { }
            if (j - i > bestRun) {
                bestRun = j - i;
                best = gaps[i];
            }
        }
        if (best <= 0) throw new IllegalArgumentException("trace has duplicate timestamps");
        return best;
    }

    private static double parseTime(String s, String name, int lineNo) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException ignored) {
            // not seconds: a date-time
        }
        try {
            return LocalDateTime.parse(s, SPACE).toEpochSecond(ZoneOffset.UTC);
        } catch (DateTimeParseException ignored) {
            // try ISO
        }
        try {
            return LocalDateTime.parse(s).toEpochSecond(ZoneOffset.UTC);
        } catch (DateTimeParseException ignored) {
            // try with offset
        }
        try {
            return OffsetDateTime.parse(s).toEpochSecond();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(name + ": line " + lineNo + ": time '" + s + "' is neither seconds nor a date-time");
        }
    }
}
