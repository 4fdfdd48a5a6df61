package io.gpufleet.scheduler.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulateCommandCoreTest {
    @TempDir
    Path dir;

    static final String NODES = """
            sn,cpu_milli,memory_mib,gpu,model
            n0,32000,131072,2,T4
            n1,32000,131072,4,T4
            n2,16000,65536,2,P100
            n3,64000,262144,8,G2
            """;

    static String pods() {
        StringBuilder sb = new StringBuilder("name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\n");
        int[][] shapes = {{4000, 1, 500}, {8000, 1, 1000}, {2000, 1, 250}, {6000, 0, 0}, {4000, 2, 1000}, {3000, 1, 810}};
        for (int i = 0; i < 24; i++) {
            int[] s = shapes[i % shapes.length];
            String spec = i % 7 == 0 ? "T4|G2" : "";
            sb.append(String.format("p%02d,%d,1024,%d,%d,%s,LS,Running,%d,%d,%d%n", i, s[0], s[1], s[2], spec, i * 10, i * 10 + 35, i * 10));
        }
        return sb.toString();
    }

    Path write(String name, String content) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        return p;
    }

    record Run(int code, String out) {}

    static Run run(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int code = SimulateCommandCore.run(args, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return new Run(code, bytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void runsTheExperimentAndWritesTableCsvPlotAndResultLines() throws Exception {
        Path nodes = write("nodes.csv", NODES), pods = write("pods.csv", pods()), out = dir.resolve("out");
        Run r = run("--nodes", nodes.toString(), "--pods", pods.toString(), "--policies", "bestfit,fgd,gpufleet",
                "--seeds", "2", "--load", "130", "--out", out.toString(), "--threads", "2");
        assertEquals(0, r.code(), r.out());
        assertTrue(r.out().contains("] 6/6 runs"), r.out());
        assertTrue(r.out().contains("alloc@80%") && r.out().contains("alloc@130%"), r.out());
        Matcher m = Pattern.compile("RESULT simulate trace=pods\\.csv policy=(\\w+) seeds=2 alloc_pct_at_100=([\\d.]+|NaN) "
                + "alloc_pct_at_130=([\\d.]+|NaN) frag_ratio_at_90=([\\d.]+|NaN)").matcher(r.out());
        List<String> policies = new java.util.ArrayList<>();
        while (m.find()) {
            policies.add(m.group(1));
            // A tiny trace has few arrival points: a point no pod's arrive ratio rounds to is NaN.
            double at130 = Double.parseDouble(m.group(3));
            assertTrue(Double.isNaN(at130) || at130 > 0 && at130 <= 100, m.group());
        }
        assertEquals(List.of("bestfit", "fgd", "gpufleet"), policies, r.out());
        List<String> curves = Files.readAllLines(out.resolve("curves.csv"));
        assertEquals("policy,arrive_pct,alloc_pct_mean,alloc_pct_sd,frag_pct_mean,frag_pct_sd", curves.get(0));
        assertEquals(1 + 3 * 131, curves.size());
        assertEquals(1 + 6, Files.readAllLines(out.resolve("runs.csv")).size());
        BufferedImage png = ImageIO.read(out.resolve("alloc.png").toFile());
        assertEquals(1000, png.getWidth());
    }

    @Test
    void replayWithDeparturesReportsMetricsOverTime() throws Exception {
        Path nodes = write("nodes.csv", NODES), pods = write("pods.csv", pods()), out = dir.resolve("replay");
        Run r = run("--nodes", nodes.toString(), "--pods", pods.toString(), "--policies", "fgd,gpufleet", "--out", out.toString(), "--replay");
        assertEquals(0, r.code(), r.out());
        assertTrue(r.out().contains("RESULT simulate-replay trace=pods.csv policy=fgd mean_alloc_pct="), r.out());
        assertTrue(r.out().contains("RESULT simulate-replay trace=pods.csv policy=gpufleet"), r.out());
        List<String> csv = Files.readAllLines(out.resolve("replay-fgd.csv"));
        assertEquals("time,running,alloc_pct,frag_pct,failed", csv.get(0));
        assertEquals(1 + 24, csv.size());
    }

    @Test
    void badInputGetsAClearErrorAndExitCode2() throws Exception {
        Path nodes = write("nodes.csv", NODES), pods = write("bad.csv", "name,cpu_milli,memory_mib,num_gpu,gpu_milli\np,1,1,1,2000\n");
        Run r = run("--nodes", nodes.toString(), "--pods", pods.toString(), "--out", dir.resolve("o").toString());
        assertEquals(2, r.code());
        assertTrue(r.out().contains("bad.csv:2: column 5 (gpu_milli): 2000 is outside 0..1000"), r.out());
        Run flag = run("--nodes", nodes.toString(), "--pods", pods.toString(), "--policies", "bestfit,magic");
        assertEquals(2, flag.code());
        assertTrue(flag.out().contains("unknown policy 'magic'") && flag.out().contains("usage: simulate"), flag.out());
        assertEquals(2, run("--seeds", "zero", "--nodes", nodes.toString(), "--pods", pods.toString()).code());
        assertEquals(0, run("--help").code());
    }

    @Test
    void defaultTracesAreFoundAboveTheWorkingDirectory() throws Exception {
        Path traces = Files.createDirectories(dir.resolve(SimulateCommandCore.TRACE_DIR));
        Path deep = Files.createDirectories(dir.resolve("a/b/c"));
        assertEquals(traces, SimulateCommandCore.Options.findTraces(deep));
        assertEquals(null, SimulateCommandCore.Options.findTraces(Files.createTempDirectory("none")));
    }
}
