package io.gpufleet.exporter.sim;

/**
 * Stateless seeded noise: a value is a hash of a key and a time bucket, so readings depend on the seed
 * and the clock only, not on how often or in which order GPUs are read.
 */
final class Noise {
    private Noise() {}

    /** SplitMix64's finaliser: a cheap, well-mixed 64-bit hash. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [0, 1). */
    static double unit(long key, long bucket) {
        return (mix(key ^ mix(bucket + 0x9e3779b97f4a7c15L)) >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [-1, 1). */
    static double signed(long key, long bucket) {
        return unit(key, bucket) * 2 - 1;
    }
}
