package io.gpufleet.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The command tree: every component is reachable and says how to use it. */
class FleetCommandTest {

    private static Object[] run(String... args) {
        PrintStream out = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            int code = Fleet.commandLine().execute(args);
            return new Object[]{code, buf.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(out);
        }
    }

    @Test
    void topLevelHelpListsEveryComponent() {
        Object[] r = run("--help");
        assertEquals(0, r[0]);
        for (String cmd : new String[]{"up", "exporter", "analytics", "scheduler", "jobs", "top", "autoscaler", "simulate", "bench"}) {
            assertTrue(((String) r[1]).contains("  " + cmd + " "), "fleet --help lacks " + cmd + ":\n" + r[1]);
        }
        Object[] bench = run("bench", "--help");
        for (String b : new String[]{"exporter", "nvml", "scheduler", "analytics", "autoscaler"}) {
            assertTrue(((String) bench[1]).contains("  " + b + " "), "fleet bench --help lacks " + b);
        }
    }

    @Test
    void passThroughCommandsAnswerHelp() {
        Object[] s = run("scheduler", "--help");
        assertEquals(0, s[0]);
        assertTrue(((String) s[1]).startsWith("usage: fleet scheduler"), (String) s[1]);
        Object[] j = run("jobs", "-h");
        assertEquals(0, j[0]);
        assertTrue(((String) j[1]).contains("fleet jobs submit"));
        Object[] t = run("top", "--help");
        assertEquals(0, t[0]);
        assertTrue(((String) t[1]).contains("fleet top nodes"));
        Object[] a = run("autoscaler", "--help");
        assertEquals(0, a[0]);
        assertTrue(((String) a[1]).contains("--policies") && ((String) a[1]).contains("--scheduler-url"), (String) a[1]);
        Object[] bad = run("autoscaler", "--policies", "/nonexistent/policies", "--dry-run");
        assertEquals(2, bad[0], "a missing policy folder is bad input: " + bad[1]);
    }

    @Test
    void analyticsOptionsComeFromItsConfigurationTable() {
        Object[] r = run("analytics", "--help");
        assertEquals(0, r[0]);
        assertTrue(((String) r[1]).contains("--alertmanager-url") && ((String) r[1]).contains("GPUFLEET_ANALYTICS_"),
                (String) r[1]);
    }
}
