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
 * The conventions of alerts/ that promtool does not check: every alert has a for, a severity, a summary naming
 * what it is about (node and GPU for the exporter's alerts; the quota group, scaling policy or scraped instance
 * for the platform's), a runbook section in alerts/README.md, and promtool unit tests that see it fire and stay
 * silent.
 */
class AlertRulesTest {

    private static final Set<String> SEVERITIES = Set.of("critical", "warning", "info");

    @Test
    @SuppressWarnings("unchecked")
    void everyAlertHasForSeverityAnnotationsAndARunbookSection() {
        Set<String> sections = runbookSections(ObserveFiles.read(ObserveFiles.alerts().resolve("README.md")));
        List<Map<String, Object>> alerts = ObserveFiles.alertRules();
        assertTrue(alerts.size() >= 27, "alerts: " + alerts.size());
        Set<Object> exporterAlerts = new HashSet<>();
        ObserveFiles.alertRules(ObserveFiles.alerts().resolve("gpufleet-exporter.yml")).forEach(a -> exporterAlerts.add(a.get("alert")));
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
            String summary = (String) ann.get("summary");
            String expr = (String) a.get("expr");
            if (exporterAlerts.contains(name)) {
                assertTrue(summary.contains("{{ $labels.node }}"), name + ": summary names the node");
                boolean perGpu = !expr.contains("gpufleet_exporter_") && !expr.startsWith("up{");
                if (perGpu) assertTrue(summary.contains("{{ $labels.gpu }}"), name + ": summary names the GPU");
            } else {
                for (String label : keyLabels(expr)) {
                    assertTrue(summary.contains("{{ $labels." + label + " }}"), name + ": summary names the " + label);
                }
            }
            assertEquals("alerts/README.md#" + name.toLowerCase(Locale.ROOT), ann.get("runbook"), name + ": runbook link");
            assertTrue(sections.contains(name), name + ": no '### " + name + "' section in alerts/README.md");
        }
        assertEquals(names, sections, "README runbook sections and alerts differ");
    }

    /** The {@code ### Name} headings of the README's "## Runbooks" section (other sections may use ### too). */
    static Set<String> runbookSections(String readme) {
        Set<String> sections = new HashSet<>();
        boolean inRunbooks = false;
        for (String l : readme.lines().toList()) {
            if (l.startsWith("## ")) inRunbooks = l.trim().equals("## Runbooks");
            else if (inRunbooks && l.startsWith("### ")) sections.add(l.substring(4).trim());
        }
        return sections;
    }

    /** The labels a platform alert's series are keyed by, read from its expression. */
    static List<String> keyLabels(String expr) {
        List<String> out = new java.util.ArrayList<>();
        if (expr.startsWith("up{")) out.add("instance");
        if (expr.contains("group:gpufleet_scheduler_quota_") || expr.contains("by (group)")) out.add("group");
        if (expr.contains("by (policy)")) out.add("policy");
        return out;
    }

    @Test
    void runbookSectionsComeFromTheRunbooksSectionOnly() {
        String readme = "# alerts\n### Intro\n## Runbooks\n### A\ntext\n### B\n## Pushed alerts\n### C\n";
        assertEquals(Set.of("A", "B"), runbookSections(readme));
        assertEquals(List.of("instance"), keyLabels("up{job=\"x\"} == 0"));
        assertEquals(List.of("group"), keyLabels("group:gpufleet_scheduler_quota_used_gpus:max > 1"));
        assertEquals(List.of("policy"), keyLabels("max by (policy) (x) > 0"));
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
