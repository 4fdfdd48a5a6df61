package io.gpufleet.platform.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * deploy/'s monitoring manifests: the PrometheusRule is exactly alerts/*.yml, and the ServiceMonitor reaches the
 * exporter DaemonSet's pods through the Service with the job name the rules expect.
 *
 * <p>Regenerate deploy/gpufleet-rules.yaml after changing alerts/:
 * {@code mvn -B -q -pl platform -am test -Dtest=MonitoringManifestsTest -Dsurefire.failIfNoSpecifiedTests=false -Dgpufleet.regenerate=true}
 */
class MonitoringManifestsTest {

    /** The PrometheusRule text for the current alerts/*.yml: each file's groups, indented under spec.groups. */
    static String renderPrometheusRule() {
        List<String> out = new ArrayList<>(List.of(
                "# GENERATED from alerts/*.yml: do not edit here. A test (MonitoringManifestsTest) fails when the two differ;",
                "# regenerate with the command in deploy/README.md.",
                "apiVersion: monitoring.coreos.com/v1",
                "kind: PrometheusRule",
                "metadata:",
                "  name: gpufleet",
                "  namespace: gpufleet",
                "  labels:",
                "    app.kubernetes.io/part-of: gpufleet",
                "    # kube-prometheus-stack selects rules by its release label by default; set it to your release name.",
                "    release: kube-prometheus-stack",
                "spec:",
                "  groups:"));
        for (Path f : ObserveFiles.ruleFiles()) {
            List<String> lines = ObserveFiles.read(f).lines().toList();
            int start = lines.indexOf("groups:");
            if (start < 0) throw new IllegalStateException(f + " has no top-level 'groups:' line");
            out.add("    # from alerts/" + f.getFileName());
            for (String l : lines.subList(start + 1, lines.size())) out.add(l.isBlank() ? "" : "  " + l);
        }
        while (out.get(out.size() - 1).isEmpty()) out.remove(out.size() - 1);
        return String.join("\n", out) + "\n";
    }

    @Test
    @SuppressWarnings("unchecked")
    void prometheusRuleIsGeneratedFromTheAlertsFolder() throws Exception {
        Path file = ObserveFiles.root().resolve("deploy/gpufleet-rules.yaml");
        String expected = renderPrometheusRule();
        if (Boolean.getBoolean("gpufleet.regenerate")) Files.writeString(file, expected);
        // Same rules, group by group (what the operator will load)...
        Map<String, Object> doc = (Map<String, Object>) ObserveFiles.yaml(file);
        assertEquals("PrometheusRule", doc.get("kind"));
        assertEquals("monitoring.coreos.com/v1", doc.get("apiVersion"));
        List<Object> groups = (List<Object>) ((Map<String, Object>) doc.get("spec")).get("groups");
        assertEquals(ObserveFiles.ruleGroups(), groups, "deploy/gpufleet-rules.yaml differs from alerts/*.yml; regenerate it"
                + " (see deploy/README.md)");
        // ...and the same text, so comments travel too.
        assertEquals(expected, Files.readString(file), "deploy/gpufleet-rules.yaml is not the generated text; regenerate it");
    }

    @Test
    @SuppressWarnings("unchecked")
    void serviceMonitorReachesTheExporterPodsAsJobGpufleetExporter() {
        List<Object> monitoring = ObserveFiles.yamlDocuments(ObserveFiles.root().resolve("deploy/exporter-monitoring.yaml"));
        Map<String, Object> service = kind(monitoring, "Service");
        Map<String, Object> monitor = kind(monitoring, "ServiceMonitor");
        Map<String, Object> daemonSet = kind(ObserveFiles.yamlDocuments(ObserveFiles.root().resolve("deploy/exporter.yaml")), "DaemonSet");

        Map<String, Object> podLabels = (Map<String, Object>) path(daemonSet, "spec", "template", "metadata", "labels");
        Map<String, Object> serviceSelector = (Map<String, Object>) path(service, "spec", "selector");
        assertTrue(podLabels.entrySet().containsAll(serviceSelector.entrySet()), "Service selects the DaemonSet's pods");
        Map<String, Object> serviceLabels = (Map<String, Object>) path(service, "metadata", "labels");
        Map<String, Object> monitorSelector = (Map<String, Object>) path(monitor, "spec", "selector", "matchLabels");
        assertTrue(serviceLabels.entrySet().containsAll(monitorSelector.entrySet()), "ServiceMonitor selects the Service");
        assertEquals(List.of(path(service, "metadata", "namespace")), path(monitor, "spec", "namespaceSelector", "matchNames"));

        // The job label of a ServiceMonitor's targets is the Service's name: the rules' up{job=...}.
        assertEquals(LocalPrometheus.JOB, path(service, "metadata", "name"));
        String rules = ObserveFiles.read(ObserveFiles.alerts().resolve("gpufleet-exporter.yml"));
        assertTrue(rules.contains("up{job=\"" + LocalPrometheus.JOB + "\"}"), "alerts use the job name");

        List<Map<String, Object>> containerPorts = (List<Map<String, Object>>) ((List<Map<String, Object>>)
                path(daemonSet, "spec", "template", "spec", "containers")).get(0).get("ports");
        Map<String, Object> servicePort = ((List<Map<String, Object>>) path(service, "spec", "ports")).get(0);
        assertEquals(containerPorts.get(0).get("name"), servicePort.get("targetPort"), "Service targets the container port");
        assertEquals(containerPorts.get(0).get("containerPort"), servicePort.get("port"));
        Map<String, Object> endpoint = ((List<Map<String, Object>>) path(monitor, "spec", "endpoints")).get(0);
        assertEquals(servicePort.get("name"), endpoint.get("port"), "ServiceMonitor scrapes the Service's port");
        assertEquals(Boolean.TRUE, endpoint.get("honorLabels"), "the exporter's node label wins over the target's");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> kind(List<Object> docs, String kind) {
        return docs.stream().map(d -> (Map<String, Object>) d).filter(d -> kind.equals(d.get("kind"))).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind));
    }

    @SuppressWarnings("unchecked")
    private static Object path(Map<String, Object> m, String... keys) {
        Object o = m;
        for (String k : keys) o = ((Map<String, Object>) o).get(k);
        return o;
    }
}
