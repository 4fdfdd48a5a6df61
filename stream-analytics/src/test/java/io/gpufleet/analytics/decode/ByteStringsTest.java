package io.gpufleet.analytics.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The word-at-a-time comparison and the tables built on it agree with plain byte comparison. */
class ByteStringsTest {
    @Test
    void sameAgreesWithArraysEqualsOnRandomRanges() {
        Random r = new Random(11);
        for (int round = 0; round < 20_000; round++) {
            int len = r.nextInt(41);
            byte[] a = new byte[len];
            r.nextBytes(a);
            int off = r.nextInt(9);
            byte[] buf = new byte[off + len + r.nextInt(9)];
            r.nextBytes(buf);
            System.arraycopy(a, 0, buf, off, len);
            if (len > 0 && r.nextBoolean()) buf[off + r.nextInt(len)] ^= (byte) (1 << r.nextInt(8)); // one bit off
            boolean expected = Arrays.equals(a, 0, len, buf, off, off + len);
            assertEquals(expected, ByteStrings.same(a, buf, off, len), () -> Arrays.toString(a) + " vs " + Arrays.toString(buf));
        }
    }

    @Test
    void tablesFindExactlyTheirNames() {
        ByteStrings.NameTable t = new ByteStrings.NameTable(8);
        String[] names = {"gpufleet_gpu_utilization_ratio", "gpufleet_gpu_memory_used_bytes", "gpu", "UUID",
                "DCGM_FI_DEV_GPU_UTIL", "DCGM_FI_DEV_FB_USED"};
        for (int i = 0; i < names.length; i++) t.put(names[i], i);
        for (int i = 0; i < names.length; i++) {
            byte[] padded = ("xx" + names[i] + "yy").getBytes(StandardCharsets.UTF_8);
            assertEquals(i, t.get(padded, 2, names[i].length()), names[i]);
            byte[] other = padded.clone();
            other[2 + names[i].length() / 2] ^= 1;
            assertEquals(-1, t.get(other, 2, names[i].length()), "one byte differs from " + names[i]);
        }
        ByteStrings.StringCache c = new ByteStrings.StringCache();
        byte[] b = "node-0001/GPU-00000001".getBytes(StandardCharsets.UTF_8);
        String node = c.get(b, 0, 9);
        assertEquals("node-0001", node);
        assertSame(node, c.get(b.clone(), 0, 9));
        assertEquals("GPU-00000001", c.get(b, 10, 12));
    }
}
