package io.gpufleet.exporter.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Parses Prometheus text exposition back into samples, strictly enough to catch malformed output. */
public final class TextExposition {
    public record Sample(String name, Map<String, String> labels, double value) {}

    public final List<Sample> samples = new ArrayList<>();
    public final Map<String, String> types = new HashMap<>();
    public final Map<String, String> help = new HashMap<>();

    public static TextExposition parse(String text) {
        TextExposition out = new TextExposition();
        for (String line : text.split("\n")) {
            if (line.isEmpty()) continue;
            if (line.startsWith("# TYPE ")) {
                String[] p = line.substring(7).split(" ");
                out.types.put(p[0], p[1]);
                continue;
            }
            if (line.startsWith("# HELP ")) {
                String rest = line.substring(7);
                int sp = rest.indexOf(' ');
                out.help.put(rest.substring(0, sp), rest.substring(sp + 1));
                continue;
            }
            if (line.startsWith("#")) continue;
            out.samples.add(parseSample(line));
        }
        return out;
    }

    private static Sample parseSample(String line) {
        int brace = line.indexOf('{');
        int space = line.indexOf(' ');
        String name;
        Map<String, String> labels = new LinkedHashMap<>();
        int i;
        if (brace >= 0 && brace < space) {
            name = line.substring(0, brace);
            i = brace + 1;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                String key = line.substring(i, eq);
                if (line.charAt(eq + 1) != '"') throw new IllegalArgumentException("unquoted label value: " + line);
                StringBuilder v = new StringBuilder();
                int j = eq + 2;
                while (line.charAt(j) != '"') {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        char n = line.charAt(++j);
                        v.append(n == 'n' ? '\n' : n);
                    } else {
                        v.append(c);
                    }
                    j++;
                }
                labels.put(key, v.toString());
                i = j + 1;
                if (line.charAt(i) == ',') i++;
            }
            i++;
        } else {
            name = line.substring(0, space);
            i = space;
        }
        String[] rest = line.substring(i).trim().split(" ");
        return new Sample(name, labels, Double.parseDouble(rest[0]));
    }

    /** The one sample with this name whose labels include all given pairs. */
    public Optional<Sample> find(String name, String... labelPairs) {
        List<Sample> found = all(name, labelPairs);
        if (found.size() > 1) throw new IllegalStateException("more than one sample matches " + name + " " + List.of(labelPairs));
        return found.stream().findFirst();
    }

    public List<Sample> all(String name, String... labelPairs) {
        List<Sample> out = new ArrayList<>();
        outer:
        for (Sample s : samples) {
            if (!s.name.equals(name)) continue;
            for (int k = 0; k < labelPairs.length; k += 2) {
                if (!labelPairs[k + 1].equals(s.labels.get(labelPairs[k]))) continue outer;
            }
            out.add(s);
        }
        return out;
    }

    public double value(String name, String... labelPairs) {
        return find(name, labelPairs).orElseThrow(() -> new AssertionError("no sample " + name + " " + List.of(labelPairs)))
                .value();
    }
}
