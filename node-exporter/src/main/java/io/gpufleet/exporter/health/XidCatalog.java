package io.gpufleet.exporter.health;

import java.util.Map;

/**
 * XID code → class, after NVIDIA's XID catalogue (immediate resolution bucket), cross-checked with what the
 * Kubernetes device plugin and NVSentinel treat as fatal. Codes that need a node reboot (RESTART_BM) are
 * {@link XidClass#REBOOT_NODE}; RESET_GPU and fatal memory/NVLink/firmware codes are {@link XidClass#RESET_GPU};
 * RESTART_APP codes are application errors. Where sources disagree we take the safer, more severe reading.
 */
public final class XidCatalog {
    private XidCatalog() {}

    private static final Map<Long, XidClass> CLASSES = Map.ofEntries(
            // Application / channel faults: restart the app.
            Map.entry(13L, XidClass.APPLICATION_ERROR),
            Map.entry(31L, XidClass.APPLICATION_ERROR),
            Map.entry(38L, XidClass.APPLICATION_ERROR),
            Map.entry(39L, XidClass.APPLICATION_ERROR),
            Map.entry(40L, XidClass.APPLICATION_ERROR),
            Map.entry(41L, XidClass.APPLICATION_ERROR),
            Map.entry(43L, XidClass.APPLICATION_ERROR),
            Map.entry(45L, XidClass.APPLICATION_ERROR),
            Map.entry(68L, XidClass.APPLICATION_ERROR),
            Map.entry(69L, XidClass.APPLICATION_ERROR),
            Map.entry(94L, XidClass.APPLICATION_ERROR),
            // Memory, ECC, firmware, NVLink: reset the GPU.
            Map.entry(48L, XidClass.RESET_GPU),
            Map.entry(61L, XidClass.RESET_GPU),
            Map.entry(62L, XidClass.RESET_GPU),
            Map.entry(64L, XidClass.RESET_GPU),
            Map.entry(74L, XidClass.RESET_GPU),
            Map.entry(95L, XidClass.RESET_GPU),
            Map.entry(109L, XidClass.RESET_GPU),
            Map.entry(119L, XidClass.RESET_GPU),
            Map.entry(120L, XidClass.RESET_GPU),
            Map.entry(140L, XidClass.RESET_GPU),
            Map.entry(143L, XidClass.RESET_GPU),
            Map.entry(144L, XidClass.RESET_GPU),
            Map.entry(145L, XidClass.RESET_GPU),
            Map.entry(146L, XidClass.RESET_GPU),
            Map.entry(147L, XidClass.RESET_GPU),
            Map.entry(148L, XidClass.RESET_GPU),
            Map.entry(149L, XidClass.RESET_GPU),
            Map.entry(150L, XidClass.RESET_GPU),
            // Bus, power: reboot the node.
            Map.entry(54L, XidClass.REBOOT_NODE),
            Map.entry(79L, XidClass.REBOOT_NODE),
            // Recorded events.
            Map.entry(63L, XidClass.INFORMATIONAL),
            Map.entry(92L, XidClass.INFORMATIONAL),
            Map.entry(154L, XidClass.INFORMATIONAL));

    public static XidClass classify(long xid) {
        return CLASSES.getOrDefault(xid, XidClass.UNKNOWN);
    }
}
