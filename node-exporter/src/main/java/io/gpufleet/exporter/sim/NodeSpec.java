package io.gpufleet.exporter.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What one simulated node holds: a GPU model, a GPU count and the wiring between them.
 *
 * @param model GPU product on every slot of the node
 * @param gpus  GPU count (1..256)
 * @param shape how the GPUs are connected; must suit the model and count ({@link NodeShape#incompatibility})
 */
public record NodeSpec(GpuModel model, int gpus, NodeShape shape) {
    /** Most GPUs one simulated node may hold. */
    public static final int MAX_GPUS = 256;

    public NodeSpec {
        if (model == null) throw new InvalidFieldException("model", "must be set");
        if (gpus < 1 || gpus > MAX_GPUS) {
            throw new InvalidFieldException("gpus", "must be within 1.." + MAX_GPUS + ", was " + gpus);
        }
        if (shape == null) shape = NodeShape.defaultFor(model, gpus);
        String why = shape.incompatibility(model, gpus);
        if (why != null) throw new InvalidFieldException("shape", why);
    }

    /** The usual wiring for {@code gpus} GPUs of {@code model}. */
    public static NodeSpec of(GpuModel model, int gpus) {
        return new NodeSpec(model, gpus, null);
    }

    /**
     * Parses {@code model[xN][/shape]}, e.g. {@code h100-80gb}, {@code t4x4}, {@code v100-32gbx4/nvlink-pairs}.
     * Without a count the node has {@code defaultGpus} GPUs.
     */
    public static NodeSpec parse(String text, int defaultGpus) {
        Objects.requireNonNull(text, "text");
        String t = text.trim();
        NodeShape shape = null;
        int slash = t.indexOf('/');
        if (slash >= 0) {
            try {
                shape = NodeShape.parse(t.substring(slash + 1));
            } catch (IllegalArgumentException e) {
                throw new InvalidFieldException("shape", e.getMessage());
            }
            t = t.substring(0, slash);
        }
        int gpus = defaultGpus;
        int x = t.lastIndexOf('x');
        if (x > 0 && x < t.length() - 1 && t.substring(x + 1).chars().allMatch(Character::isDigit)) {
            try {
                gpus = Integer.parseInt(t.substring(x + 1));
            } catch (NumberFormatException e) {
                throw new InvalidFieldException("gpus", "'" + t.substring(x + 1) + "' is not a GPU count");
            }
            t = t.substring(0, x);
        }
        GpuModel model;
        try {
            model = GpuModel.parse(t);
        } catch (IllegalArgumentException e) {
            throw new InvalidFieldException("model", e.getMessage());
        }
        return new NodeSpec(model, gpus, shape);
    }

    /**
     * Parses a comma-separated list of node specs, one per node, e.g. {@code h100-80gb,t4x4,l4x1}.
     *
     * @throws InvalidFieldException ({@code nodeSpecs[i].field}) naming the entry that is wrong
     */
    public static List<NodeSpec> parseList(String text, int defaultGpus) {
        List<NodeSpec> out = new ArrayList<>();
        if (text == null) return out;
        for (String part : text.split(",")) {
            if (part.isBlank()) continue;
            try {
                out.add(parse(part, defaultGpus));
            } catch (InvalidFieldException e) {
                throw new InvalidFieldException("nodeSpecs[" + out.size() + "]." + e.field(),
                        "'" + part.trim() + "': " + e.getMessage());
            }
        }
        return out;
    }

    /** The text {@link #parse} reads back. */
    public String toSpec() {
        return model.key() + "x" + gpus + "/" + shape.key();
    }
}
