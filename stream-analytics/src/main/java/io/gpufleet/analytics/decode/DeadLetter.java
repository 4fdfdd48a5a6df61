package io.gpufleet.analytics.decode;

/**
 * A record the decoder refused, kept whole for the dead-letter topic.
 *
 * @param reason  short stable reason ({@code not_protobuf}, {@code nan_value}, {@code absurd_timestamp} ...)
 * @param message what exactly was wrong
 * @param value   the record's bytes as received
 */
public record DeadLetter(String reason, String message, byte[] value) {}
