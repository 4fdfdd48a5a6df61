package io.gpufleet.autoscaler.training;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Reads a job trace CSV with columns {@code submission_time}, {@code duration}, {@code num_gpu} (ElasticFlow
 * format; other columns are ignored), sorted by submission time (stable, so ties keep file order).
 */
public final class TrainingTrace {
    private TrainingTrace() {
    }

    public static List<TrainingJob> read(Path file) throws IOException {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return read(file.getFileName().toString(), r);
        }
    }

    public static List<TrainingJob> read(String name, BufferedReader r) throws IOException {
        String header = r.readLine();
        if (header == null) throw new IllegalArgumentException(name + ": empty file");
        String[] cols = header.toLowerCase(Locale.ROOT).split(",");
        int sub = -1, dur = -1, gpu = -1;
        for (int i = 0; i < cols.length; i++) {
            String c = cols[i].trim();
            if (c.equals("submission_time") || c.equals("submit_time") || c.equals("submit")) sub = i;
            else if (c.equals("duration") || c.equals("runtime")) dur = i;
            else if (c.equals("num_gpu") || c.equals("gpus") || c.equals("num_gpus")) gpu = i;
        }
        if (sub < 0 || dur < 0 || gpu < 0) {
            throw new IllegalArgumentException(name + ": need columns submission_time, duration, num_gpu; header is '" + header + "'");
        }
        List<TrainingJob> jobs = new ArrayList<>();
        String line;
        int lineNo = 1;
        while ((line = r.readLine()) != null) {
            lineNo++;
            if (line.isBlank()) continue;
            String[] f = line.split(",");
            try {
                jobs.add(new TrainingJob(jobs.size(), (long) Double.parseDouble(f[sub].trim()),
                        (long) Double.parseDouble(f[dur].trim()), Integer.parseInt(f[gpu].trim())));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(name + ": line " + lineNo + ": " + e.getMessage(), e);
            }
        }
        jobs.sort(Comparator.comparingLong(TrainingJob::submit));
        List<TrainingJob> out = new ArrayList<>(jobs.size());
        for (int i = 0; i < jobs.size(); i++) {
            TrainingJob j = jobs.get(i);
            out.add(new TrainingJob(i, j.submit(), j.duration(), j.gpus()));
        }
        return out;
    }
}
