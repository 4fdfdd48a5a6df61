package io.gpufleet.autoscaler.controller;

import java.util.Map;
import java.util.OptionalDouble;

/** Reads one sample out of a Prometheus text exposition. */
final class Scrape {
    private Scrape() {}

    /** The value of the series {@code name} carrying all {@code labels} (others may be present too). */
    static OptionalDouble value(String text, String name, Map<String, String> labels) {
        for (String line : text.split("\n")) {
            if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) continue;
            boolean all = labels.entrySet().stream().allMatch(e -> line.contains(e.getKey() + "=\"" + e.getValue() + "\""));
            if (!all) continue;
            String v = line.substring(line.lastIndexOf(' ') + 1);
            return OptionalDouble.of(Double.parseDouble(v));
        }
        return OptionalDouble.empty();
    }
}
