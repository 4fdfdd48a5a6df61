package io.gpufleet.contracts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * JSON encoding shared by the records on gpufleet's JSON topics. Unknown fields are ignored when reading, so a
 * newer writer does not break an older reader; a record's own validation names the field that is wrong.
 *
 * @param <T> the record type
 */
public final class JsonCodec<T> {
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(SerializationFeature.FAIL_ON_EMPTY_BEANS, false);

    private final Class<T> type;

    private JsonCodec(Class<T> type) {
        this.type = type;
    }

    /** A codec for {@code type}. */
    public static <T> JsonCodec<T> of(Class<T> type) {
        return new JsonCodec<>(Objects.requireNonNull(type, "type"));
    }

    public String toJson(T value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + type.getSimpleName(), e);
        }
    }

    public byte[] toBytes(T value) {
        return toJson(value).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Parses one record.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public T parse(String json) {
        if (json == null || json.isBlank()) throw new IllegalArgumentException(type.getSimpleName() + " JSON is empty");
        try {
            return JSON.readValue(json, type);
        } catch (JsonProcessingException e) {
            Throwable cause = e.getCause() instanceof IllegalArgumentException iae ? iae : e;
            throw new IllegalArgumentException("invalid " + type.getSimpleName() + ": " + cause.getMessage(), e);
        }
    }

    public T parse(byte[] json) {
        return parse(new String(json, StandardCharsets.UTF_8));
    }
}
