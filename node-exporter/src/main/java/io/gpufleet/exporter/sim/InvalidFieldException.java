package io.gpufleet.exporter.sim;

/**
 * Bad input to the simulator, naming the field at fault so that an API can point at it. The message
 * starts with the field name.
 */
public final class InvalidFieldException extends IllegalArgumentException {
    private final String field;

    public InvalidFieldException(String field, String problem) {
        super(field + ": " + problem);
        this.field = field;
    }

    /** The field at fault, e.g. {@code utilization} or {@code nodeSpecs[2].shape}. */
    public String field() {
        return field;
    }
}
