package io.gpufleet.exporter.nvml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PCI address as NVML prints it ({@code 00000000:17:00.0}, or the legacy {@code 0000:17:00.0}),
 * normalised so that both spellings compare equal.
 */
public record PciBusId(long domain, int bus, int device, int function) {
    private static final Pattern FORM =
            Pattern.compile("(?:([0-9a-fA-F]{1,8}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\\.([0-7])");

    public PciBusId {
        if (domain < 0 || domain > 0xFFFF_FFFFL) throw new IllegalArgumentException("PCI domain out of range: " + domain);
        if (bus < 0 || bus > 0xFF) throw new IllegalArgumentException("PCI bus out of range: " + bus);
        if (device < 0 || device > 0x1F) throw new IllegalArgumentException("PCI device out of range: " + device);
        if (function < 0 || function > 7) throw new IllegalArgumentException("PCI function out of range: " + function);
    }

    /**
     * Parses {@code [domain:]bus:device.function} in hex, any case.
     *
     * @throws IllegalArgumentException naming the text when it is not a PCI bus id
     */
    public static PciBusId parse(String text) {
        if (text == null) throw new IllegalArgumentException("PCI bus id must not be null");
        Matcher m = FORM.matcher(text.trim());
        if (!m.matches()) throw new IllegalArgumentException("not a PCI bus id: '" + text + "'");
        long domain = m.group(1) == null ? 0 : Long.parseLong(m.group(1), 16);
        return new PciBusId(domain, Integer.parseInt(m.group(2), 16), Integer.parseInt(m.group(3), 16),
                Integer.parseInt(m.group(4), 16));
    }

    /** NVML's form: 8-hex domain, upper case, e.g. {@code 00000000:17:00.0}. */
    public String nvmlForm() {
        return String.format(Locale.ROOT, "%08X:%02X:%02X.%X", domain, bus, device, function);
    }

    /** The kernel's form (sysfs directory names): lower case, domain trimmed to 4 hex digits. */
    public String sysfsForm() {
        return String.format(Locale.ROOT, "%04x:%02x:%02x.%x", domain, bus, device, function);
    }

    /**
     * The NUMA node the kernel reports for this device under {@code sysRoot} (normally {@code /sys}), or -1
     * when unknown (no such file, unreadable, or the kernel's own -1).
     */
    public int numaNode(Path sysRoot) {
        Path file = sysRoot.resolve("bus/pci/devices").resolve(sysfsForm()).resolve("numa_node");
        try {
            int node = Integer.parseInt(Files.readString(file).trim());
            return node >= 0 ? node : -1;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public String toString() {
        return nvmlForm();
    }
}
