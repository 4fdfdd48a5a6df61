package io.gpufleet.platform.observe;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/** The repository's alerts/, dashboards/ and deploy/ folders, read the way the tests need them. */
final class ObserveFiles {
    private ObserveFiles() {}

    /** The repository root: the first ancestor of the working directory holding alerts/. */
    static Path root() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("alerts"))) p = p.getParent();
        if (p == null) throw new IllegalStateException("no alerts/ folder above " + Path.of("").toAbsolutePath());
        return p;
    }

    static Path alerts() {
        return root().resolve("alerts");
    }

    static Path dashboards() {
        return root().resolve("dashboards");
    }

    /** alerts/*.yml, sorted. */
    static List<Path> ruleFiles() {
        List<Path> files = io.gpufleet.platform.observe.FleetPrometheus.ruleFiles(java.util.Optional.of(alerts()));
        if (files.isEmpty()) throw new IllegalStateException("no rule files in " + alerts());
        return files;
    }

    /** dashboards/*.json, sorted. */
    static List<Path> dashboardFiles() {
        try (Stream<Path> s = Files.list(dashboards())) {
            return s.filter(f -> f.toString().endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Object yaml(Path file) {
        return yaml(read(file));
    }

    static Object yaml(String text) {
        return new Load(LoadSettings.builder().build()).loadFromString(text);
    }

    static List<Object> yamlDocuments(Path file) {
        return yamlDocuments(read(file));
    }

    static List<Object> yamlDocuments(String text) {
        List<Object> out = new ArrayList<>();
        new Load(LoadSettings.builder().build()).loadAllFromString(text).forEach(out::add);
        return out;
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every rule group of every alerts/*.yml file, in file order. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> ruleGroups() {
        List<Map<String, Object>> groups = new ArrayList<>();
        for (Path f : ruleFiles()) {
            groups.addAll((List<Map<String, Object>>) ((Map<String, Object>) yaml(f)).get("groups"));
        }
        return groups;
    }

    /** Every alerting rule (rules with an {@code alert} key). */
    static List<Map<String, Object>> alertRules() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Path f : ruleFiles()) out.addAll(alertRules(f));
        return out;
    }

    /** The alerting rules of one rule file. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> alertRules(Path file) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> g : (List<Map<String, Object>>) ((Map<String, Object>) yaml(file)).get("groups")) {
            for (Map<String, Object> r : (List<Map<String, Object>>) g.get("rules")) {
                if (r.containsKey("alert")) out.add(r);
            }
        }
        return out;
    }
}
