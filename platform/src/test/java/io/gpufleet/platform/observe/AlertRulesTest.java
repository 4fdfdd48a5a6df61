package io.gpufleet.platform.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The conventions of alerts/ that promtool does not check: every alert has a for, a severity, a summary
 * naming node (and GPU), a runbook section in alerts/README.md, and promtool unit tests that see it fire and
 * stay silent.
 */
class AlertRulesTest {

    private static final Set<String> SEVERITIES = Set.of("critical", "warning", "info");

    @Test
    @SuppressWarnings("unchecked")
    void everyAlertHasForSeverityAnnotationsAndARunbookSection() {
        String readme = ObserveFiles.read(ObserveFiles.alerts().resolve("README.md"));
        Set<String> sections = new HashSet<>();
        readme.lines().filter(l -> l.startsWith("### ")).forEach(l -> sections.add(l.substring(4).trim()));
        List<Map<String, Object>> alerts = ObserveFiles.alertRules();
        assertTrue(alerts.size() >= 15, "alerts: " + alerts.size());
        Set<String> names = new HashSet<>();
        for (Map<String, Object> a : alerts) {
            String name = (String) a.get("alert");
            assertTrue(names.add(name), "duplicate alert " + name);
            assertTrue(a.get("for") instanceof String f && f.matches("\\d+[smh]"), name + ": for " + a.get("for"));
            Map<String, Object> labels = (Map<String, Object>) a.get("labels");
            assertTrue(SEVERITIES.contains(labels.get("severity")), name + ": severity " + labels);
            Map<String, Object> ann = (Map<String, Object>) a.get("annotations");
            for (String k : List.of("summary", "description", "runbook")) {
                assertTrue(ann.get(k) instanceof String s && !s.isBlank(), name + ": annotation " + k);
            }
            assertTrue(((String) ann.get("summary")).contains("{{ $labels.node }}"), name + ": summary names the node");
            String expr = (String) a.get("expr");
            boolean perGpu = !expr.contains("gpufleet_exporter_") && !expr.startsWith("up{");
            if (perGpu) {
                assertTrue(((String) ann.get("summary")).contains("{{ $labels.gpu }}"), name + ": summary names the GPU");
            }
            assertEquals("alerts/README.md#" + name.toLowerCase(Locale.ROOT), ann.get("runbook"), name + ": runbook link");
            assertTrue(sections.contains(name), name + ": no '### " + name + "' section in alerts/README.md");
        }
        assertEquals(names, sections, "README runbook sections and alerts differ");
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyAlertHasAPromtoolCaseWhereItFiresAndOneWhereItDoesNot() throws Exception {
        Map<String, int[]> cases = new HashMap<>(); // alertname -> {firing, silent}
        try (Stream<Path> s = Files.list(ObserveFiles.alerts().resolve("tests"))) {
            for (Path f : s.filter(p -> p.toString().endsWith(".yml")).toList()) {
                Map<String, Object> doc = (Map<String, Object>) ObserveFiles.yaml(f);
                for (Map<String, Object> t : (List<Map<String, Object>>) doc.get("tests")) {
                    for (Map<String, Object> c : (List<Map<String, Object>>) t.getOrDefault("alert_rule_test", List.of())) {
                        int[] n = cases.computeIfAbsent((String) c.get("alertname"), k -> new int[2]);
                        List<?> exp = (List<?>) c.get("exp_alerts");
                        n[exp == null || exp.isEmpty() ? 1 : 0]++;
                    }
                }
            }
        }
        for (Map<String, Object> a : ObserveFiles.alertRules()) {
            String name = (String) a.get("alert");
            int[] n = cases.getOrDefault(name, new int[2]);
            assertTrue(n[0] > 0, name + ": no promtool case where it fires");
            assertTrue(n[1] > 0, name + ": no promtool case where it stays silent");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void recordingRulesFollowTheLevelMetricOperationsNamingAndAreUsed() {
        StringBuilder consumers = new StringBuilder();
        for (Path d : ObserveFiles.dashboardFiles()) consumers.append(ObserveFiles.read(d));
        for (Map<String, Object> a : ObserveFiles.alertRules()) consumers.append(a.get("expr"));
        int recorded = 0;
        for (Map<String, Object> g : ObserveFiles.ruleGroups()) {
            for (Map<String, Object> r : (List<Map<String, Object>>) g.get("rules")) {
                if (!r.containsKey("record")) continue;
                recorded++;
                String name = (String) r.get("record");
                assertTrue(name.matches("[a-z_]+:[a-z0-9_]+:[a-z0-9_]+"), "level:metric:operations: " + name);
                assertTrue(consumers.indexOf(name) >= 0, name + " is used by no dashboard and no alert");
            }
        }
        assertTrue(recorded >= 10, "recording rules: " + recorded);
    }

    @Test
    void theTestCopyShortensEveryForAndTheXidWindow() throws Exception {
        Path dir = Files.createTempDirectory("gpufleet-rules-");
        try {
            List<Path> copies = TestRules.copy(ObserveFiles.ruleFiles(), dir, "1s", 30);
            String all = String.join("\n", copies.stream().map(ObserveFiles::read).toList());
            assertFalse(all.lines().anyMatch(l -> l.trim().startsWith("for:") && !l.trim().equals("for: 1s")), all);
            assertFalse(all.contains("< 900"), "XID window left at 900 s");
            assertEquals(4, all.split("< 30\n", -1).length - 1, "four XID alerts with a 30 s window");
            assertEquals(ObserveFiles.ruleFiles().size(), copies.size());
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
