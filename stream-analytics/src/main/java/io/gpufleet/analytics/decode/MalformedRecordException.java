package io.gpufleet.analytics.decode;

/** A record the decoder refuses as a whole: not protobuf, wrong schema, NaN values or an absurd timestamp. */
public final class MalformedRecordException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why, in a short stable word, used as a metric label and dead-letter header. */
    private final String reason;

    public MalformedRecordException(String reason, String message) {
        super(message);
        this.reason = reason;
    }

    public MalformedRecordException(String reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
