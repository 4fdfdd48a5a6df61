package io.gpufleet.scheduler.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class SchedulerBenchTest {

    @Test
    void smallRunReportsEveryDecision() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        SchedulerBench.Result r = SchedulerBench.run(200, 6000, 7, new PrintStream(buf, true, StandardCharsets.UTF_8));
        assertEquals(6000, r.decisions());
        assertEquals(200, r.nodes());
        assertEquals(r.decisions(), r.placed() + r.unschedulable());
        assertTrue(r.placed() > r.decisions() / 2, "most pods fit a cluster held at 85%: " + r);
        assertTrue(r.p50Ms() > 0 && r.p50Ms() <= r.p99Ms() && r.p99Ms() <= r.maxMs(), r.toString());
        assertTrue(r.decisionsPerSecond() > 0 && r.decisionsPerCpuSecond() > 0, r.toString());
        assertTrue(r.cpuP50Ms() <= r.cpuP99Ms(), r.toString());
        assertTrue(r.gpuUsedPct() > 50 && r.gpuUsedPct() <= 100, "departures hold use near the 85% target: " + r);
        assertTrue(Pattern.compile("  5\\d{3}/6000 decisions").matcher(buf.toString(StandardCharsets.UTF_8)).find(), "progress is printed");
        assertThrows(IllegalArgumentException.class, () -> SchedulerBench.run(0, 10, 1, null));
    }

    @Test
    void mainEndsWithTheResultLine() {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            SchedulerBench.main(new String[] {"100", "3000", "3", "1"});
        } finally {
            System.setOut(old);
        }
        String[] lines = buf.toString(StandardCharsets.UTF_8).trim().split("\n");
        Matcher m = Pattern.compile("RESULT scheduler nodes=100 decisions_per_s=(\\d+) p50_ms=([0-9.]+) p99_ms=([0-9.]+)")
                .matcher(lines[lines.length - 1]);
        assertTrue(m.matches(), lines[lines.length - 1]);
        assertTrue(Double.parseDouble(m.group(2)) <= Double.parseDouble(m.group(3)));
    }

    @Test
    void sameSeedSameWorkloadAndOutcome() {
        SchedulerBench.Result a = SchedulerBench.pass(100, 3000, 11, null);
        SchedulerBench.Result b = SchedulerBench.pass(100, 3000, 11, null);
        assertEquals(a.placed(), b.placed());
        assertEquals(a.preemptions(), b.preemptions());
        assertEquals(a.gpuUsedPct(), b.gpuUsedPct());
    }

    @Test
    void median() {
        assertEquals(2.0, SchedulerBench.median(new double[] {3, 1, 2}));
        assertEquals(2.5, SchedulerBench.median(new double[] {4, 1, 2, 3}));
    }
}
