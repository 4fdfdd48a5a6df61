package io.gpufleet.exporter.sim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A fault to inject at a fixed offset after the fleet starts.
 *
 * <p>Text form {@code <offset>:<node>:<gpu>:<fault>}, e.g. {@code 30s:sim-node-03:2:xid=79} or
 * {@code 2m:sim-node-00:0:thermal=90s}; a list separates entries with commas. The offset is a duration
 * such as {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h} or {@code 1m30s}; the fault is
 * {@link Fault#parse}'s text form.
 *
 * @param at    offset from the fleet's creation
 * @param node  node name, e.g. {@code sim-node-03}
 * @param gpu   GPU index on that node
 * @param fault what happens
 */
public record ScheduledFault(Duration at, String node, int gpu, Fault fault) {
    public ScheduledFault {
        if (at == null || at.isNegative()) throw new InvalidFieldException("at", "must be >= 0, was " + at);
        if (node == null || node.isBlank()) throw new InvalidFieldException("node", "must be set");
        if (gpu < 0) throw new InvalidFieldException("gpu", "must be >= 0, was " + gpu);
        if (fault == null) throw new InvalidFieldException("fault", "must be set");
    }

    /**
     * Parses one entry.
     *
     * @throws InvalidFieldException naming the part that is wrong and quoting the entry
     */
    public static ScheduledFault parse(String spec) {
        if (spec == null || spec.isBlank()) throw new InvalidFieldException("faults", "empty fault spec");
        String s = spec.trim();
        String[] parts = s.split(":", 4);
        if (parts.length != 4) {
            throw new InvalidFieldException("faults", "fault spec '" + s
                    + "' must have the form <offset>:<node>:<gpu>:<fault>, e.g. 30s:sim-node-03:2:xid=79");
        }
        Duration at = SpecText.duration(parts[0].trim());
        if (at == null) {
            throw new InvalidFieldException("faults", "fault spec '" + s + "': offset '" + parts[0]
                    + "' is not a duration like 30s, 5m, 1h");
        }
        String node = parts[1].trim();
        if (node.isEmpty()) throw new InvalidFieldException("faults", "fault spec '" + s + "': node is empty");
        int gpu;
        try {
            gpu = Integer.parseInt(parts[2].trim());
        } catch (NumberFormatException e) {
            throw new InvalidFieldException("faults", "fault spec '" + s + "': gpu '" + parts[2]
                    + "' is not a GPU index");
        }
        if (gpu < 0) throw new InvalidFieldException("faults", "fault spec '" + s + "': gpu must be >= 0");
        Fault fault;
        try {
            fault = Fault.parse(parts[3]);
        } catch (InvalidFieldException e) {
            throw new InvalidFieldException("faults", "fault spec '" + s + "': " + e.getMessage());
        }
        return new ScheduledFault(at, node, gpu, fault);
    }

    /** Parses a comma-separated list; blank text gives an empty list. */
    public static List<ScheduledFault> parseList(String specs) {
        List<ScheduledFault> out = new ArrayList<>();
        if (specs == null || specs.isBlank()) return out;
        for (String entry : specs.split(",")) {
            if (!entry.isBlank()) out.add(parse(entry));
        }
        return out;
    }

    /** The text {@link #parse} reads back. */
    public String toSpec() {
        return SpecText.format(at) + ":" + node + ":" + gpu + ":" + fault.toSpec();
    }
}
