package io.gpufleet.platform.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** alerts/ through Prometheus' own tools: rules parse, their unit tests pass, Alertmanager accepts the example. */
@Tag("e2e")
class AlertRulesPromtoolTest {
    private static final Duration LIMIT = Duration.ofSeconds(60);

    private static List<String> cmd(Path tool, String... args) {
        List<String> c = new ArrayList<>();
        c.add(tool.toString());
        c.addAll(List.of(args));
        return c;
    }

    private static List<String> files(Path dir, String glob) throws Exception {
        List<String> out = new ArrayList<>();
        try (var s = Files.newDirectoryStream(dir, glob)) {
            s.forEach(p -> out.add(p.toString()));
        }
        out.sort(null);
        return out;
    }

    @Test
    void promtoolChecksTheRules() throws Exception {
        List<String> c = cmd(Tools.require("promtool"), "check", "rules");
        c.addAll(files(ObserveFiles.alerts(), "*.yml"));
        Tools.Result r = Tools.run(ObserveFiles.root(), LIMIT, c);
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("SUCCESS"), r.output());
    }

    @Test
    void promtoolUnitTestsPass() throws Exception {
        List<String> c = cmd(Tools.require("promtool"), "test", "rules");
        c.addAll(files(ObserveFiles.alerts().resolve("tests"), "*.yml"));
        Tools.Result r = Tools.run(ObserveFiles.root(), LIMIT, c);
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("SUCCESS"), r.output());
    }

    /** The unit tests can fail: a rule whose severity changed no longer matches what they expect. */
    @Test
    void promtoolUnitTestsCatchAChangedRule(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("tests"));
        for (Path f : ObserveFiles.ruleFiles()) {
            String text = Files.readString(f);
            if (f.getFileName().toString().equals("gpufleet-exporter.yml")) {
                String changed = text.replaceFirst("(alert: GpuXidRebootNode[\\s\\S]*?severity: )critical", "$1warning");
                assertNotEquals(text, changed);
                text = changed;
            }
            Files.writeString(dir.resolve(f.getFileName()), text);
        }
        try (Stream<Path> s = Files.list(ObserveFiles.alerts().resolve("tests"))) {
            for (Path t : s.toList()) Files.copy(t, dir.resolve("tests").resolve(t.getFileName()));
        }
        List<String> c = cmd(Tools.require("promtool"), "test", "rules");
        c.addAll(files(dir.resolve("tests"), "*.yml"));
        Tools.Result r = Tools.run(dir, LIMIT, c);
        assertNotEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("GpuXidRebootNode"), r.output());
    }

    @Test
    void amtoolAcceptsTheExampleAlertmanagerConfig() throws Exception {
        Tools.Result r = Tools.run(ObserveFiles.root(), LIMIT, cmd(Tools.require("amtool"), "check-config",
                ObserveFiles.alerts().resolve("alertmanager/alertmanager.example.yml").toString()));
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("SUCCESS"), r.output());
    }

    /** The configuration `fleet up --prometheus` writes is one Prometheus accepts, rules included. */
    @Test
    void promtoolAcceptsTheGeneratedPrometheusConfig(@TempDir Path dir) throws Exception {
        LocalPrometheus.Settings s = new LocalPrometheus.Settings(Path.of("prometheus"), 9090, Duration.ofSeconds(1),
                Duration.ofSeconds(1), ObserveFiles.ruleFiles(), List.of("127.0.0.1:9093"),
                List.of(new LocalPrometheus.Target("sim-node-00", "127.0.0.1:9400"),
                        new LocalPrometheus.Target("sim-node-01", "127.0.0.1:9401")));
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, LocalPrometheus.config(s));
        Tools.Result r = Tools.run(dir, LIMIT, cmd(Tools.require("promtool"), "check", "config", config.toString()));
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("SUCCESS: " + ObserveFiles.ruleFiles().size() + " rule files found"), r.output());
    }
}
