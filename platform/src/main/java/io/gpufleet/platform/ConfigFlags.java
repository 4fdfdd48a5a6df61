package io.gpufleet.platform;

import io.gpufleet.exporter.config.ConfigOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Turns a component's configuration table into command-line flags, so every option is declared once: flag
 * {@code --name}, environment variable and file key all come from the same {@link ConfigOption}.
 */
public final class ConfigFlags {
    private ConfigFlags() {}

    /** Adds one {@code --name <value>} option per entry of the table. */
    public static void add(CommandSpec spec, List<ConfigOption<?>> options) {
        for (ConfigOption<?> o : options) {
            spec.addOption(OptionSpec.builder("--" + o.name())
                    .paramLabel("<" + o.name().substring(o.name().lastIndexOf('-') + 1) + ">")
                    .type(String.class)
                    .description(o.doc() + " Env " + o.env() + "; default: "
                            + (o.defaultValue().isEmpty() ? "(none)" : o.defaultValue()) + ".")
                    .build());
        }
    }

    /** The options given on the command line, name → raw value (defaults and environment are the config's job). */
    public static Map<String, String> given(CommandSpec spec, List<ConfigOption<?>> options) {
        Map<String, String> flags = new HashMap<>();
        for (ConfigOption<?> o : options) {
            OptionSpec os = spec.findOption("--" + o.name());
            if (os != null && spec.commandLine().getParseResult().hasMatchedOption(os)) {
                flags.put(o.name(), os.getValue());
            }
        }
        return flags;
    }
}
