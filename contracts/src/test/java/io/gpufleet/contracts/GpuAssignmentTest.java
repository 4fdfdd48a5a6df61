package io.gpufleet.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class GpuAssignmentTest {

    @Test
    void roundTripsThroughTheAnnotationJson() {
        var a = new GpuAssignment("node-1", "trainer",
                List.of(new GpuAssignment.Share("GPU-abc", 2, 20480, 250), new GpuAssignment.Share("GPU-def", 3, 81920, 1000)));
        var back = GpuAssignment.parse(a.toJson());
        assertEquals(a, back);
        assertTrue(back.gpus().get(1).whole());
    }

    @Test
    void toleratesUnknownFieldsFromNewerSchedulers() {
        var a = GpuAssignment.parse("{\"node\":\"n\",\"gpus\":[{\"uuid\":\"GPU-1\",\"index\":0,\"memoryMiB\":1,\"coreMilli\":1000,\"x\":1}],\"y\":2}");
        assertEquals("GPU-1", a.gpus().get(0).uuid());
    }

    @Test
    void rejectsBadSharesNamingTheField() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> GpuAssignment.parse("{\"gpus\":[{\"uuid\":\"GPU-1\",\"coreMilli\":1500}]}"));
        assertTrue(e.getMessage().contains("coreMilli"), e.getMessage());
        var empty = assertThrows(IllegalArgumentException.class, () -> GpuAssignment.parse(" "));
        assertTrue(empty.getMessage().contains("gpu-assignment"));
        var malformed = assertThrows(IllegalArgumentException.class, () -> GpuAssignment.parse("{not json"));
        assertTrue(malformed.getMessage().contains("invalid"));
    }
}
