package io.gpufleet.exporter.config;

/** A configuration value that cannot be used; the message names the option and says what is wrong. */
public final class ConfigException extends RuntimeException {
    private final String option;

    public ConfigException(String option, String problem) {
        super(option + ": " + problem);
        this.option = option;
    }

    /** The option's name as written on the command line, without dashes. */
    public String option() {
        return option;
    }
}
