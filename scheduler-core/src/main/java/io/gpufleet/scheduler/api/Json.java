package io.gpufleet.scheduler.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Strict JSON for the API (Jackson 2): unknown fields, numbers given as strings, strings given as numbers and
 * trailing garbage are errors, reported with the path of the field.
 */
public final class Json {
    private Json() {}

    public static final ObjectMapper MAPPER = strict();

    private static ObjectMapper strict() {
        ObjectMapper m = new ObjectMapper()
                .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
                .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true)
                .configure(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, true)
                .configure(DeserializationFeature.ACCEPT_FLOAT_AS_INT, false)
                .setDefaultPropertyInclusion(JsonInclude.Include.NON_NULL);
        for (LogicalType t : new LogicalType[]{LogicalType.Integer, LogicalType.Float, LogicalType.Boolean}) {
            m.coercionConfigFor(t).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        }
        m.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
        m.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
        m.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        return m;
    }

    /** Reads {@code body} as {@code type}, or throws a 400 naming the field and the problem. */
    public static <T> T read(String body, Class<T> type) {
        if (body == null || body.isBlank()) throw ApiException.badRequest("request body is empty; a JSON object is expected");
        try {
            T v = MAPPER.readValue(body, type);
            if (v == null) throw ApiException.badRequest("request body is null; a JSON object is expected");
            return v;
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest(describe(e));
        }
    }

    /** Reads a JSON tree (no schema: the extender protocol's lenient key spelling). */
    public static JsonNode tree(String body) {
        if (body == null || body.isBlank()) throw ApiException.badRequest("request body is empty; a JSON object is expected");
        try {
            JsonNode n = MAPPER.readTree(body);
            if (n == null || !n.isObject()) throw ApiException.badRequest("request body must be a JSON object");
            return n;
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest(describe(e));
        }
    }

    public static String write(Object o) {
        try {
            return MAPPER.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + o.getClass().getSimpleName(), e);
        }
    }

    static String describe(JsonProcessingException e) {
        if (e instanceof UnrecognizedPropertyException u) {
            String at = path(u);
            return "unknown field '" + (at.isEmpty() ? u.getPropertyName() : at) + "'";
        }
        if (e instanceof InvalidFormatException f) {
            return "field '" + path(f) + "': value " + f.getValue() + " is not a valid " + simple(f.getTargetType());
        }
        if (e instanceof MismatchedInputException m) {
            String at = path(m);
            if (m.getCause() instanceof IllegalArgumentException iae) return (at.isEmpty() ? "" : "field '" + at + "': ") + iae.getMessage();
            return (at.isEmpty() ? "body" : "field '" + at + "'") + ": wrong type, expected " + simple(m.getTargetType());
        }
        if (e instanceof JsonMappingException jm && jm.getCause() instanceof IllegalArgumentException iae) {
            String at = path(jm);
            return (at.isEmpty() ? "" : "field '" + at + "': ") + iae.getMessage();
        }
        String msg = e.getOriginalMessage();
        return "malformed JSON: " + (msg == null ? e.getClass().getSimpleName() : msg)
                + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr());
    }

    private static String simple(Class<?> t) {
        if (t == null) return "value";
        if (t == Integer.class || t == int.class || t == Long.class || t == long.class) return "integer";
        if (t == Double.class || t == double.class) return "number";
        if (t == String.class) return "string";
        if (t == Boolean.class || t == boolean.class) return "boolean";
        if (java.util.Map.class.isAssignableFrom(t) || t.isRecord()) return "object";
        if (java.util.List.class.isAssignableFrom(t)) return "array";
        return t.getSimpleName();
    }

    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                if (sb.length() > 0) sb.append('.');
                sb.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }
}
