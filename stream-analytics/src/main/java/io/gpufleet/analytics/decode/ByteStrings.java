package io.gpufleet.analytics.decode;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Byte-level helpers for the decoder: a small table that matches UTF-8 names to codes without making Strings,
 * and a cache that turns repeated UTF-8 values (node names, UUIDs, pods) into the same String instance.
 * Not thread-safe; each decoder owns its own.
 */
final class ByteStrings {
    private ByteStrings() {}

    /** Eight bytes at any offset of a byte array as one long, so hashing and comparing take a word at a time. */
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /**
     * A hash of all of a byte range, a word at a time (the last word overlapping the one before when the length is
     * not a multiple of 8). Names here share long prefixes ({@code gpufleet_gpu_}, {@code DCGM_FI_DEV_}) and
     * suffixes ({@code _bytes}, {@code _total}), so every byte counts; the tables keep it per entry and compare it
     * before the bytes, which a hit still confirms.
     */
    static long hash(byte[] b, int off, int len) {
        long h = len * 0x9E3779B97F4A7C15L;
        if (len >= 8) {
            int i = 0;
            for (; i + 8 <= len; i += 8) h = mix(h, (long) LONGS.get(b, off + i));
            if (i < len) h = mix(h, (long) LONGS.get(b, off + len - 8));
        } else {
            long w = 0;
            for (int i = 0; i < len; i++) w = (w << 8) | (b[off + i] & 0xff);
            h = mix(h, w);
        }
        return h ^ (h >>> 29);
    }

    private static long mix(long h, long w) {
        return Long.rotateLeft(h ^ (w * 0xC2B2AE3D27D4EB4FL), 31) * 0x9E3779B97F4A7C15L;
    }

    /**
     * Whether {@code b[off, off+len)} equals all of {@code a} (whose length the caller has checked is {@code len}),
     * compared a word at a time: the ranges are short names and IDs, where Arrays.equals spends more on its range
     * checks and set-up than on comparing.
     */
    static boolean same(byte[] a, byte[] b, int off, int len) {
        int i = 0;
        for (; i + 8 <= len; i += 8) {
            if ((long) LONGS.get(a, i) != (long) LONGS.get(b, off + i)) return false;
        }
        if (i == len) return true;
        if (len >= 8) return (long) LONGS.get(a, len - 8) == (long) LONGS.get(b, off + len - 8);
        for (; i < len; i++) if (a[i] != b[off + i]) return false;
        return true;
    }

    /** Fixed name → code table (open addressing); codes are >= 0, a miss answers -1. */
    static final class NameTable {
        private final byte[][] names;
        private final long[] hashes;
        private final int[] codes;
        private final int mask;

        NameTable(int capacity) {
            int n = Integer.highestOneBit(Math.max(16, capacity * 4) - 1) << 1;
            names = new byte[n][];
            hashes = new long[n];
            codes = new int[n];
            mask = n - 1;
        }

        void put(String name, int code) {
            byte[] b = name.getBytes(StandardCharsets.UTF_8);
            long h = hash(b, 0, b.length);
            int i = (int) h & mask;
            while (names[i] != null) {
                if (Arrays.equals(names[i], b)) throw new IllegalArgumentException("duplicate name " + name);
                i = (i + 1) & mask;
            }
            names[i] = b;
            hashes[i] = h;
            codes[i] = code;
        }

        int get(byte[] buf, int off, int len) {
            long h = hash(buf, off, len);
            int i = (int) h & mask;
            byte[] n;
            while ((n = names[i]) != null) {
                if (hashes[i] == h && n.length == len && same(n, buf, off, len)) return codes[i];
                i = (i + 1) & mask;
            }
            return -1;
        }
    }

    /** UTF-8 bytes → String, remembering recent values; cleared wholesale when full. */
    static final class StringCache {
        private static final int SIZE = 8192;
        private final byte[][] keys = new byte[SIZE][];
        private final long[] hashes = new long[SIZE];
        private final String[] values = new String[SIZE];
        private int used;

        String get(byte[] buf, int off, int len) {
            if (len == 0) return "";
            long h = hash(buf, off, len);
            int i = (int) h & (SIZE - 1);
            byte[] k;
            while ((k = keys[i]) != null) {
                if (hashes[i] == h && k.length == len && same(k, buf, off, len)) return values[i];
                i = (i + 1) & (SIZE - 1);
            }
            if (used >= SIZE / 2) {
                Arrays.fill(keys, null);
                Arrays.fill(values, null);
                used = 0;
                i = (int) h & (SIZE - 1);
            }
            String s = new String(buf, off, len, StandardCharsets.UTF_8);
            keys[i] = Arrays.copyOfRange(buf, off, off + len);
            hashes[i] = h;
            values[i] = s;
            used++;
            return s;
        }
    }

    /** Whether {@code buf[off, off+len)} holds exactly the ASCII text {@code s}. */
    static boolean equalsAscii(byte[] buf, int off, int len, String s) {
        if (len != s.length()) return false;
        for (int i = 0; i < len; i++) if (buf[off + i] != s.charAt(i)) return false;
        return true;
    }

    /** Parses a non-negative decimal number, or -1 when the bytes are not one. */
    static long parseDecimal(byte[] buf, int off, int len) {
        if (len == 0 || len > 18) return -1;
        long v = 0;
        for (int i = off; i < off + len; i++) {
            int d = buf[i] - '0';
            if (d < 0 || d > 9) return -1;
            v = v * 10 + d;
        }
        return v;
    }
}
