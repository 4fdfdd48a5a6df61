package io.gpufleet.scheduler.simulator;

/** A trace CSV that cannot be read: the message names the file, line and column. */
public final class TraceFormatException extends IllegalArgumentException {
    public TraceFormatException(String message) {
        super(message);
    }
}
