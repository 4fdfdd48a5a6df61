package io.gpufleet.platform.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ExporterCommandTest {

    /** Runs {@code fleet exporter args} in-process, returning exit code and what it printed to stderr. */
    private static Object[] run(String... args) {
        PrintStream err = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            int code = ExporterCommand.run(args);
            return new Object[]{code, buf.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setErr(err);
        }
    }

    @Test
    void badValuesExitWithCodeTwoNamingTheOption() {
        Object[] r = run("--simulate", "8", "--port", "70000");
        assertEquals(2, r[0]);
        assertTrue(((String) r[1]).contains("--port: must be an integer within 0..65535"), (String) r[1]);
        r = run("--simulate", "8", "--interval", "soon");
        assertEquals(2, r[0]);
        assertTrue(((String) r[1]).contains("--interval"), (String) r[1]);
        r = run("--simulate", "8", "--simulate-faults", "30s:no-such-node:0:xid=79", "--port", "0");
        assertEquals(2, r[0]);
        assertTrue(((String) r[1]).contains("--simulate-faults"), (String) r[1]);
        r = run("--no-such-flag");
        assertEquals(2, r[0]);
    }

    @Test
    void withoutNvmlTheErrorSaysToSimulate() {
        Object[] r = run("--nvml-library", "/nonexistent/libnvidia-ml.so.1", "--port", "0", "--kubernetes", "off");
        assertEquals(1, r[0]);
        assertTrue(((String) r[1]).contains("--simulate"), (String) r[1]);
    }

    @Test
    void launcherShipsTheSameExporterJvmOptionsAsTheBenchmarkMeasures() throws Exception {
        Path fleet = Path.of("..", "fleet");
        String script = Files.readString(fleet);
        assertTrue(script.contains("exporter_opts=\"" + ExporterCommand.DEFAULT_JVM_OPTS + "\""),
                "fleet's exporter_opts and ExporterCommand.DEFAULT_JVM_OPTS differ");
    }
}
