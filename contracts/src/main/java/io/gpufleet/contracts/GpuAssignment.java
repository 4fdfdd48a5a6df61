package io.gpufleet.contracts;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Objects;

/**
 * What the scheduler assigned to one pod, stored as JSON in the pod annotation
 * {@value ResourceNames#GPU_ASSIGNMENT_ANNOTATION}. The exporter reads it to attribute GPU usage to
 * pods; a restarted scheduler reads it to rebuild its state.
 *
 * <p>Example: {@code {"node":"gpu-node-3","container":"trainer","gpus":[{"uuid":"GPU-1f…","index":2,
 * "memoryMiB":20480,"coreMilli":250}]}}. A whole GPU has {@code coreMilli} 1000 and its full memory.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record GpuAssignment(String node, String container, List<Share> gpus) {

    /** One GPU of the assignment and the share of it the pod holds. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Share(String uuid, int index, long memoryMiB, int coreMilli) {
        public Share {
            Objects.requireNonNull(uuid, "gpus[].uuid");
            if (uuid.isBlank()) throw new IllegalArgumentException("gpus[].uuid must not be blank");
            if (memoryMiB < 0) throw new IllegalArgumentException("gpus[].memoryMiB must be >= 0, was " + memoryMiB);
            if (coreMilli < 0 || coreMilli > 1000) {
                throw new IllegalArgumentException("gpus[].coreMilli must be within 0..1000, was " + coreMilli);
            }
        }

        public boolean whole() {
            return coreMilli == 1000;
        }
    }

    public GpuAssignment {
        gpus = gpus == null ? List.of() : List.copyOf(gpus);
    }

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode GPU assignment", e);
        }
    }

    /**
     * Parses an annotation value.
     *
     * @throws IllegalArgumentException naming what is wrong, when the value is not a valid assignment
     */
    public static GpuAssignment parse(String json) {
        if (json == null || json.isBlank()) {
            throw new IllegalArgumentException(ResourceNames.GPU_ASSIGNMENT_ANNOTATION + " is empty");
        }
        try {
            return JSON.readValue(json, GpuAssignment.class);
        } catch (JsonProcessingException e) {
            Throwable cause = e.getCause() instanceof IllegalArgumentException iae ? iae : e;
            throw new IllegalArgumentException(
                    "invalid " + ResourceNames.GPU_ASSIGNMENT_ANNOTATION + ": " + cause.getMessage(), e);
        }
    }
}
