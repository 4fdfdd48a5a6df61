package io.gpufleet.scheduler.model;

import io.gpufleet.contracts.ResourceNames;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a pod's Kubernetes resource map into scheduler units.
 *
 * <table>
 *   <caption>accepted names</caption>
 *   <tr><td>{@code cpu}</td><td>quantity, kept in milli-cores</td></tr>
 *   <tr><td>{@code memory}</td><td>bytes quantity ({@code 4Gi}, {@code 512M}), kept in MiB (rounded up)</td></tr>
 *   <tr><td>{@code ephemeral-storage}</td><td>accepted and not scheduled on</td></tr>
 *   <tr><td>{@value ResourceNames#GPU}</td><td>number of GPUs</td></tr>
 *   <tr><td>{@value ResourceNames#GPU_MEMORY_MIB}</td><td>MiB per GPU (a plain number), or a bytes quantity</td></tr>
 *   <tr><td>{@value ResourceNames#GPU_CORE_PERCENT}</td><td>percent of one GPU's compute, 1..100</td></tr>
 *   <tr><td>{@value ResourceNames#ALIYUN_GPU_MEM_GIB}</td><td>GiB of GPU memory on one GPU</td></tr>
 *   <tr><td>{@value ResourceNames#KOORDINATOR_GPU_MEMORY_RATIO}</td><td>percent of one GPU's memory; multiples of
 *       100 above 100 mean that many whole GPUs (Koordinator's convention)</td></tr>
 *   <tr><td>{@value ResourceNames#KOORDINATOR_GPU_CORE}</td><td>percent of one GPU's compute, same convention</td></tr>
 * </table>
 * Any other name, a negative or absurd size, a fraction where a count is expected, a share above one GPU or two
 * names asking the same thing are rejected with {@link IllegalArgumentException} naming the resource.
 */
public final class ResourceParser {
    private ResourceParser() {}

    /** Result in scheduler units; {@code gpuCoreMilli} -1 means "not named". */
    public record Parsed(long cpuMilli, long memoryMiB, int gpuCount, int gpuCoreMilli, long gpuMemoryMiB,
                         int gpuMemoryPercent) {}

    private static final Pattern QUANTITY = Pattern.compile("^([+-]?[0-9]+(?:\\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$");
    private static final BigDecimal MIB = BigDecimal.valueOf(1024L * 1024);

    public static Parsed parse(String pod, Map<String, String> resources) {
        long cpu = 0, mem = 0;
        Integer count = null;
        int core = -1;
        long gpuMem = 0;
        int memPct = 0;
        String gpuMemFrom = null;
        String coreFrom = null;
        Integer koordWholeCore = null, koordWholeMem = null;
        if (resources == null) resources = Map.of();
        for (Map.Entry<String, String> e : resources.entrySet()) {
            String key = e.getKey();
            String raw = e.getValue();
            if (key == null) throw bad(pod, "null", "resource name is null");
            BigDecimal v = quantity(pod, key, raw);
            if (v.signum() < 0) throw bad(pod, key, "must not be negative, was " + raw);
            switch (key) {
                case "cpu" -> cpu = limit(pod, key, raw, v.movePointRight(3).setScale(0, RoundingMode.CEILING), Request.MAX_CPU_MILLI);
                case "memory" -> mem = limit(pod, key, raw, v.divide(MIB, 0, RoundingMode.CEILING), Request.MAX_MEMORY_MIB);
                case "ephemeral-storage" -> { /* not a scheduling dimension here */ }
                case ResourceNames.GPU -> count = (int) limit(pod, key, raw, integer(pod, key, raw, v), Request.MAX_GPUS);
                case ResourceNames.GPU_MEMORY_MIB -> {
                    gpuMemFrom = once(pod, gpuMemFrom, key);
                    BigDecimal mib = isPlain(raw) ? integer(pod, key, raw, v) : v.divide(MIB, 0, RoundingMode.CEILING);
                    gpuMem = limit(pod, key, raw, mib, Request.MAX_GPU_MEMORY_MIB);
                }
                case ResourceNames.ALIYUN_GPU_MEM_GIB -> {
                    gpuMemFrom = once(pod, gpuMemFrom, key);
                    gpuMem = limit(pod, key, raw, integer(pod, key, raw, v).multiply(BigDecimal.valueOf(1024)), Request.MAX_GPU_MEMORY_MIB);
                }
                case ResourceNames.GPU_CORE_PERCENT -> {
                    coreFrom = once(pod, coreFrom, key);
                    long pct = integer(pod, key, raw, v).longValueExact();
                    if (pct > 100) throw bad(pod, key, raw + " is a share above one GPU (max 100 percent; ask " + ResourceNames.GPU + " for more)");
                    core = (int) pct * 10;
                }
                case ResourceNames.KOORDINATOR_GPU_CORE -> {
                    coreFrom = once(pod, coreFrom, key);
                    long pct = integer(pod, key, raw, v).longValueExact();
                    if (pct > 100) koordWholeCore = wholeMultiple(pod, key, raw, pct);
                    else core = (int) pct * 10;
                }
                case ResourceNames.KOORDINATOR_GPU_MEMORY_RATIO -> {
                    gpuMemFrom = once(pod, gpuMemFrom, key);
                    long pct = integer(pod, key, raw, v).longValueExact();
                    if (pct > 100) koordWholeMem = wholeMultiple(pod, key, raw, pct);
                    else memPct = (int) pct;
                }
                default -> throw bad(pod, key, "is not a resource gpufleet knows (use cpu, memory, " + ResourceNames.GPU + ", "
                        + ResourceNames.GPU_MEMORY_MIB + ", " + ResourceNames.GPU_CORE_PERCENT + " or a documented alias)");
            }
        }
        if (koordWholeCore != null || koordWholeMem != null) {
            // Koordinator writes N whole GPUs as core = ratio = N*100.
            int n = koordWholeCore != null ? koordWholeCore : koordWholeMem;
            if ((koordWholeCore != null && koordWholeMem != null && !koordWholeCore.equals(koordWholeMem))
                    || (koordWholeCore == null && core >= 0 && core != Gpu.COMPUTE_MILLI)
                    || (koordWholeMem == null && (memPct != 0 && memPct != 100))) {
                throw bad(pod, ResourceNames.KOORDINATOR_GPU_CORE, "and " + ResourceNames.KOORDINATOR_GPU_MEMORY_RATIO
                        + " disagree on the number of whole GPUs");
            }
            if (count != null && count != n) {
                throw bad(pod, ResourceNames.GPU, count + " disagrees with Koordinator's " + n + " whole GPUs");
            }
            return new Parsed(cpu, mem, n, Gpu.COMPUTE_MILLI, 0, 0);
        }
        boolean share = core >= 0 || gpuMem > 0 || memPct > 0;
        int n = count != null ? count : (share ? 1 : 0);
        if (share && n == 0) {
            throw bad(pod, ResourceNames.GPU, "is 0 but a GPU share (" + (coreFrom != null ? coreFrom : gpuMemFrom) + ") is asked");
        }
        if (memPct == 100 && core == Gpu.COMPUTE_MILLI) {
            memPct = 0; // all the memory and all the compute: whole GPUs
        }
        if (share && core == 0 && gpuMem == 0 && memPct == 0) {
            throw bad(pod, coreFrom != null ? coreFrom : gpuMemFrom, "asks for nothing on the GPU");
        }
        return new Parsed(cpu, mem, n, core, gpuMem, memPct);
    }

    private static String once(String pod, String previous, String key) {
        if (previous != null) throw bad(pod, key, "and " + previous + " both ask the same GPU dimension; use one");
        return key;
    }

    private static int wholeMultiple(String pod, String key, String raw, long pct) {
        if (pct % 100 != 0) {
            throw bad(pod, key, raw + " is a share above one GPU (above 100 only whole GPUs, multiples of 100, are allowed)");
        }
        long n = pct / 100;
        if (n > Request.MAX_GPUS) throw bad(pod, key, raw + " asks for " + n + " GPUs (max " + Request.MAX_GPUS + ")");
        return (int) n;
    }

    private static boolean isPlain(String raw) {
        return raw.trim().matches("[+]?[0-9]+");
    }

    private static BigDecimal integer(String pod, String key, String raw, BigDecimal v) {
        try {
            return new BigDecimal(v.toBigIntegerExact());
        } catch (ArithmeticException e) {
            throw bad(pod, key, "must be a whole number, was " + raw);
        }
    }

    private static long limit(String pod, String key, String raw, BigDecimal v, long max) {
        if (v.compareTo(BigDecimal.valueOf(max)) > 0) throw bad(pod, key, raw + " is absurdly large (max " + max + " in scheduler units)");
        return v.longValueExact();
    }

    static BigDecimal quantity(String pod, String key, String raw) {
        if (raw == null) throw bad(pod, key, "has no value");
        Matcher m = QUANTITY.matcher(raw.trim());
        if (!m.matches()) throw bad(pod, key, "'" + raw + "' is not a Kubernetes quantity");
        BigDecimal base = new BigDecimal(m.group(1));
        String suffix = m.group(2);
        if (suffix == null) return base;
        return switch (suffix) {
            case "m" -> base.movePointLeft(3);
            case "k" -> base.movePointRight(3);
            case "M" -> base.movePointRight(6);
            case "G" -> base.movePointRight(9);
            case "T" -> base.movePointRight(12);
            case "P" -> base.movePointRight(15);
            case "E" -> base.movePointRight(18);
            case "Ki" -> base.multiply(BigDecimal.valueOf(1L << 10));
            case "Mi" -> base.multiply(BigDecimal.valueOf(1L << 20));
            case "Gi" -> base.multiply(BigDecimal.valueOf(1L << 30));
            case "Ti" -> base.multiply(BigDecimal.valueOf(1L << 40));
            case "Pi" -> base.multiply(BigDecimal.valueOf(1L << 50));
            case "Ei" -> base.multiply(BigDecimal.valueOf(1L << 60));
            default -> {
                int exp = Integer.parseInt(suffix.substring(1));
                if (Math.abs(exp) > 30) throw bad(pod, key, "'" + raw + "' is absurdly large");
                yield base.scaleByPowerOfTen(exp);
            }
        };
    }

    private static IllegalArgumentException bad(String pod, String key, String what) {
        return new IllegalArgumentException("pod " + pod + ": resource " + key + " " + what);
    }
}
