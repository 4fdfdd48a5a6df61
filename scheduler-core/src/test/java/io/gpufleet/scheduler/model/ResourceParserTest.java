package io.gpufleet.scheduler.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.contracts.ResourceNames;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResourceParserTest {

    private static Request parse(Map<String, String> res) {
        return Request.builder("ns/p").resources(res).build();
    }

    private static void rejects(Map<String, String> res, String... mustMention) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(res));
        for (String m : mustMention) assertTrue(e.getMessage().contains(m), () -> "'" + e.getMessage() + "' should mention " + m);
    }

    @Test
    void cpuAndMemoryQuantities() {
        Request r = parse(Map.of("cpu", "1500m", "memory", "4Gi"));
        assertEquals(1500, r.cpuMilli());
        assertEquals(4096, r.memoryMiB());
        assertEquals(0, r.gpuCount());
        assertEquals(2000, parse(Map.of("cpu", "2")).cpuMilli());
        assertEquals(250, parse(Map.of("cpu", "0.25")).cpuMilli());
        // 1G bytes is 953.67 MiB: rounded up so the pod never gets less than it asked.
        assertEquals(954, parse(Map.of("memory", "1G")).memoryMiB());
        assertEquals(1, parse(Map.of("memory", "1e3")).memoryMiB());
    }

    @Test
    void wholeGpus() {
        Request r = parse(Map.of(ResourceNames.GPU, "2"));
        assertEquals(2, r.gpuCount());
        assertTrue(r.wholeGpus());
        assertEquals(81920, r.memoryOnCard(81920));
    }

    @Test
    void sharingNamesAndAliases() {
        Request a = parse(Map.of(ResourceNames.GPU_MEMORY_MIB, "10240", ResourceNames.GPU_CORE_PERCENT, "30"));
        assertEquals(1, a.gpuCount());
        assertEquals(300, a.gpuCoreMilli());
        assertEquals(10240, a.gpuMemoryMiB());
        assertTrue(a.sharing());

        Request aliyun = parse(Map.of(ResourceNames.ALIYUN_GPU_MEM_GIB, "8"));
        assertEquals(8192, aliyun.gpuMemoryMiB());
        assertEquals(0, aliyun.gpuCoreMilli(), "a memory-only share takes no compute");

        Request koord = parse(Map.of(ResourceNames.KOORDINATOR_GPU_CORE, "50", ResourceNames.KOORDINATOR_GPU_MEMORY_RATIO, "25"));
        assertEquals(500, koord.gpuCoreMilli());
        assertEquals(25, koord.gpuMemoryPercent());
        assertEquals(20480, koord.memoryOnCard(81920));

        Request koordWhole = parse(Map.of(ResourceNames.KOORDINATOR_GPU_CORE, "200", ResourceNames.KOORDINATOR_GPU_MEMORY_RATIO, "200"));
        assertEquals(2, koordWhole.gpuCount());
        assertTrue(koordWhole.wholeGpus());

        Request sameOnTwo = parse(Map.of(ResourceNames.GPU, "2", ResourceNames.GPU_MEMORY_MIB, "4Gi"));
        assertEquals(2, sameOnTwo.gpuCount());
        assertEquals(4096, sameOnTwo.gpuMemoryMiB());
        assertFalse(sameOnTwo.wholeGpus());

        Request fullBoth = parse(Map.of(ResourceNames.KOORDINATOR_GPU_CORE, "100", ResourceNames.KOORDINATOR_GPU_MEMORY_RATIO, "100"));
        assertTrue(fullBoth.wholeGpus());
    }

    @Test
    void badInputNamesTheField() {
        rejects(Map.of("cpu", "-1"), "cpu", "negative");
        rejects(Map.of("memory", "5000Ti"), "memory", "absurd");
        rejects(Map.of("cpu", "2000000"), "cpu", "absurd");
        rejects(Map.of(ResourceNames.GPU, "1.5"), ResourceNames.GPU, "whole number");
        rejects(Map.of(ResourceNames.GPU, "100"), ResourceNames.GPU, "absurd");
        rejects(Map.of("amd.com/gpu", "1"), "amd.com/gpu", "not a resource");
        rejects(Map.of(ResourceNames.GPU_CORE_PERCENT, "150"), ResourceNames.GPU_CORE_PERCENT, "above one GPU");
        rejects(Map.of(ResourceNames.KOORDINATOR_GPU_CORE, "150"), ResourceNames.KOORDINATOR_GPU_CORE, "above one GPU");
        rejects(Map.of(ResourceNames.KOORDINATOR_GPU_MEMORY_RATIO, "101"), ResourceNames.KOORDINATOR_GPU_MEMORY_RATIO, "above one GPU");
        rejects(Map.of(ResourceNames.GPU_MEMORY_MIB, "1024", ResourceNames.ALIYUN_GPU_MEM_GIB, "1"), "same GPU dimension");
        rejects(Map.of(ResourceNames.GPU, "0", ResourceNames.GPU_CORE_PERCENT, "20"), ResourceNames.GPU, "share");
        rejects(Map.of("cpu", "lots"), "cpu", "quantity");
        rejects(Map.of(ResourceNames.GPU_MEMORY_MIB, "99999999"), ResourceNames.GPU_MEMORY_MIB, "absurd");
        rejects(Map.of(ResourceNames.KOORDINATOR_GPU_CORE, "200", ResourceNames.KOORDINATOR_GPU_MEMORY_RATIO, "300"), "disagree");
    }

    @Test
    void requestValidationNamesTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Request.builder("p").gpus(1).gpuCoreMilli(1500).build());
        assertTrue(e.getMessage().contains("gpuCoreMilli") && e.getMessage().contains("above one GPU"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Request.builder("p").memoryMiB(-5).build());
        assertTrue(e.getMessage().contains("memory"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Request.builder("p").gpus(1).gpuMemoryPercent(120).build());
        assertTrue(e.getMessage().contains("gpuMemoryPercent"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Request.builder(" ").build());
        assertTrue(e.getMessage().contains("name"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new PodGroup("g", 0, 10));
        assertTrue(e.getMessage().contains("minMember"), e.getMessage());
    }
}
