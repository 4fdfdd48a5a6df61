package io.gpufleet.analytics.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.gpufleet.analytics.faults.FaultRules;
import io.gpufleet.contracts.GpuFault;
import io.gpufleet.contracts.GpuFault.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Every alert the Alertmanager sink can post agrees with alerts/: its name is a rule's there (same severity, the
 * rule's identity labels, the rule's runbook) or is documented under "Pushed alerts" in alerts/README.md, and the
 * README's table of pushed alerts lists exactly what the job sends (name, kind, severity, label keys).
 */
class AlertRulesAgreementTest {
    static final Path ALERTS = Path.of("..", "alerts");
    /** Labels that identify what an alert is about; the rest (model, xid, instance ...) describe it. */
    static final Set<String> IDENTITY = Set.of("node", "gpu", "uuid", "namespace", "pod");
    static final Pattern LABEL_REF = Pattern.compile("\\$labels\\.(\\w+)");

    record Rule(String name, String severity, Set<String> identity, String runbook) {}

    record Row(String name, String kind, String severity, Set<String> labels, boolean rule) {}

    static Map<String, Rule> rules = new HashMap<>();
    static Map<String, Row> pushed = new HashMap<>();
    static String readme;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void load() throws IOException {
        try (Stream<Path> files = Files.list(ALERTS)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yml")).sorted().toList()) {
                Map<String, Object> doc = (Map<String, Object>) new Load(LoadSettings.builder().build())
                        .loadFromString(Files.readString(f));
                for (Map<String, Object> g : (List<Map<String, Object>>) doc.get("groups")) {
                    for (Map<String, Object> r : (List<Map<String, Object>>) g.get("rules")) {
                        if (!r.containsKey("alert")) continue;
                        Map<String, Object> labels = (Map<String, Object>) r.getOrDefault("labels", Map.of());
                        Map<String, Object> ann = (Map<String, Object>) r.getOrDefault("annotations", Map.of());
                        Set<String> identity = new TreeSet<>();
                        for (Object v : ann.values()) {
                            Matcher m = LABEL_REF.matcher(String.valueOf(v));
                            while (m.find()) if (IDENTITY.contains(m.group(1))) identity.add(m.group(1));
                        }
                        String name = (String) r.get("alert");
                        rules.put(name, new Rule(name, (String) labels.get("severity"), identity,
                                (String) ann.get("runbook")));
                    }
                }
            }
        }
        readme = Files.readString(ALERTS.resolve("README.md"));
        int from = readme.indexOf("\n## Pushed alerts");
        assertTrue(from >= 0, "alerts/README.md has a section on pushed alerts");
        int to = readme.indexOf("\n## ", from + 1);
        for (String line : readme.substring(from, to < 0 ? readme.length() : to).split("\n")) {
            if (!line.startsWith("| `")) continue;
            String[] c = line.split("\\|");
            Set<String> labels = new TreeSet<>();
            for (String l : c[4].split(",")) labels.add(l.trim());
            Row row = new Row(strip(c[1]), strip(c[2]), c[3].trim(), labels, c[5].trim().equals("yes"));
            assertTrue(pushed.put(row.name(), row) == null, "listed once: " + row.name());
        }
    }

    private static String strip(String cell) {
        return cell.trim().replace("`", "");
    }

    /** A fault of each kind as the detectors raise it: per pod, per node (gpu -1, no UUID) or per GPU. */
    static GpuFault faultOf(Kind k) {
        boolean perPod = k == Kind.MEMORY_OVER_SHARE || k == Kind.ALLOCATED_IDLE;
        boolean perNode = k == Kind.NODE_UNREACHABLE;
        return GpuFault.active(k, FaultRules.severity(k), "node-1", perNode ? -1 : 3, perNode ? "" : "GPU-1234",
                perPod ? "team-a" : "", perPod ? "train-abcde" : "", "evidence", FaultRules.action(k), 1_000_000);
    }

    private static Set<String> keys(JsonNode labels) {
        Set<String> out = new TreeSet<>();
        for (Iterator<String> it = labels.fieldNames(); it.hasNext(); ) out.add(it.next());
        return out;
    }

    @Test
    void rulesAreLoaded() {
        assertTrue(rules.size() >= 19, rules.keySet()::toString);
        assertEquals("critical", rules.get("GpuXidRebootNode").severity());
        assertEquals(Set.of("node", "gpu", "uuid"), rules.get("GpuXidRebootNode").identity());
    }

    @Test
    void everyPushedAlertMatchesItsRuleOrItsDocumentation() {
        Set<String> sent = new HashSet<>();
        for (Kind k : Kind.values()) {
            GpuFault f = faultOf(k);
            JsonNode alert = AlertPayload.alert(f, 2_000_000, 60_000);
            JsonNode labels = alert.get("labels");
            String name = labels.get("alertname").asText();
            String severity = labels.get("severity").asText();
            sent.add(name);
            Set<String> keys = keys(labels);
            assertTrue(keys.containsAll(Set.of("alertname", "severity", "node", "kind", "action")), keys::toString);
            keys.removeAll(Set.of("alertname", "severity"));

            Row row = pushed.get(name);
            assertNotNull(row, () -> name + " (" + k + ") is listed under Pushed alerts in alerts/README.md");
            assertEquals(k.name().toLowerCase(Locale.ROOT), row.kind(), name);
            assertEquals(row.severity(), severity, name + ": severity as documented");
            assertEquals(row.labels(), keys, name + ": label keys as documented");
            assertEquals(rules.containsKey(name), row.rule(), name + ": documented as having a rule or not");

            Rule rule = rules.get(name);
            String runbook = alert.at("/annotations/runbook").asText();
            if (rule != null) {
                assertEquals(rule.severity(), severity, name + ": severity agrees with the rule");
                assertTrue(keys.containsAll(rule.identity()), () -> name + " carries the rule's labels "
                        + rule.identity() + ", has " + keys);
                assertEquals(rule.runbook(), runbook, name + ": the rule's runbook");
            } else {
                assertEquals("alerts/README.md#" + name.toLowerCase(Locale.ROOT), runbook);
                assertTrue(readme.contains("\n### " + name + "\n"), name + " has a runbook section");
            }
        }
        List<String> stale = new ArrayList<>(pushed.keySet());
        stale.removeAll(sent);
        assertTrue(stale.isEmpty(), () -> "documented but never sent: " + stale);
        assertFalse(sent.isEmpty());
    }
}
