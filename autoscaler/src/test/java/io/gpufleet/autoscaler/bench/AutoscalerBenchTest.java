package io.gpufleet.autoscaler.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AutoscalerBenchTest {
    static final Pattern INFERENCE = Pattern.compile(
            "RESULT autoscaler trace=\\S+ policy=(static-peak|hpa|gpufleet) gpu_hours=[0-9.]+ violation_pct=[0-9.]+ actions=\\d+");
    static final Pattern TRAINING = Pattern.compile(
            "RESULT training trace=\\S+ mode=(rigid|elastic) mean_jct_s=\\d+ p95_jct_s=\\d+ mean_queue_s=\\d+ resizes=\\d+");

    static String run(String... args) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int rc = AutoscalerBench.run(args, new PrintStream(buf, true, StandardCharsets.UTF_8));
        return rc + "\n" + buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void replaysGivenTracesAndPrintsExactlyTheResultLines(@TempDir Path dir) throws Exception {
        StringBuilder rate = new StringBuilder("time,rate\n");
        for (int i = 0; i < 36; i++) rate.append(i * 600).append(',').append(100 + 50 * Math.sin(i / 3.0)).append('\n');
        Path r = Files.writeString(dir.resolve("wave.csv"), rate);
        StringBuilder jobs = new StringBuilder("job_id,submission_time,duration,num_gpu\n");
        for (int i = 0; i < 200; i++) jobs.append("j").append(i).append(',').append(i * 300).append(',').append(3600 + 97 * i).append(',').append(1 << (i % 5)).append('\n');
        Path j = Files.writeString(dir.resolve("jobs.csv"), jobs);
        String out = run("--trace", r.toString(), "--trace", j.toString(), "--seeds", "42..43");
        assertTrue(out.startsWith("0\n"), out);
        List<String> results = out.lines().filter(l -> l.startsWith("RESULT")).toList();
        assertEquals(5, results.size(), out);
        for (int i = 0; i < 3; i++) assertTrue(INFERENCE.matcher(results.get(i)).matches(), results.get(i));
        assertTrue(results.get(0).contains("trace=wave policy=static-peak"));
        for (int i = 3; i < 5; i++) assertTrue(TRAINING.matcher(results.get(i)).matches(), results.get(i));
        assertTrue(out.contains("seed 43"), "progress per seed");
    }

    @Test
    void badArgumentsAndMissingTracesFailClearly(@TempDir Path dir) throws Exception {
        assertTrue(run("--bogus").startsWith("2\nerror: unknown argument"));
        assertTrue(run("--trace", dir.resolve("nope.csv").toString()).contains("cannot read"));
        assertTrue(run("--seeds", "x").contains("--seeds"));
        assertTrue(AutoscalerBench.findShared(dir).isEmpty());
        Path traces = dir.resolve("shared/" + AutoscalerBench.SERVEGEN);
        Files.createDirectories(traces.getParent());
        Files.writeString(traces, "window_start_s,total_rate_rps\n0,1\n");
        Path deep = Files.createDirectories(dir.resolve("repo/autoscaler"));
        assertEquals(dir.resolve("shared"), AutoscalerBench.findShared(deep).orElseThrow());
        assertEquals(List.of(42L, 43L, 44L), AutoscalerBench.parseSeeds("3"));
        assertEquals(List.of(7L, 9L), AutoscalerBench.parseSeeds("7,9"));
    }
}
