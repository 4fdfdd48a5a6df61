package io.gpufleet.exporter.nvml;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The fake {@code libnvidia-ml.so.1} variants the test build compiles from {@code src/test/c/fake_nvml.c}
 * (exec-maven-plugin, phase process-test-classes), with their control functions.
 */
final class FakeNvml {
    /** Control functions exported by the fake (C names). */
    interface Control extends Library {
        void fake_reset();

        int fake_set_count(int n);

        int fake_set(int idx, String key, long value);

        int fake_set_string(int idx, String what, String value);

        int fake_set_pci(int idx, int domain, int bus, int dev);

        void fake_fail(String fn, int rc);

        void fake_fail_device(int idx, String fn, int rc);

        long fake_calls(String fn);

        int fake_lose_gpu(int idx);

        int fake_revive_gpu(int idx);

        int fake_push_event(int idx, long type, long data);

        int fake_set_nvlink(int idx, int link, int active, int remote);

        int fake_set_nvlink_error(int idx, int link, int counter, long value);

        int fake_set_topology(int a, int b, int level);

        int fake_add_process(int idx, int pid, long used);

        long fake_registered_events(int idx);

        int fake_init_refs();

        int fake_is_old_driver();

        int fake_sizeof(String type);

        int fake_offsetof(String type, String field);
    }

    static final Path DIR = Path.of("target", "fake-nvml").toAbsolutePath();
    /** A current driver: versioned and NVML 13 symbols present. */
    static final Path CURRENT = library("current");
    /** An old driver: only the unversioned / older entry points. */
    static final Path OLD_DRIVER = library("old-driver");

    // Held for the JVM's life: keeps each fake loaded (and its state alive) between tests.
    private static Control current;
    private static Control oldDriver;

    private FakeNvml() {}

    private static Path library(String variant) {
        return DIR.resolve(variant).resolve(NvmlLibrary.DEFAULT_LIBRARY);
    }

    static synchronized Control current() {
        if (current == null) current = load(CURRENT);
        current.fake_reset();
        return current;
    }

    static synchronized Control oldDriver() {
        if (oldDriver == null) oldDriver = load(OLD_DRIVER);
        oldDriver.fake_reset();
        return oldDriver;
    }

    private static Control load(Path lib) {
        if (!Files.isRegularFile(lib)) {
            throw new IllegalStateException(lib + " missing: the test build compiles it with gcc in "
                    + "process-test-classes (run the tests through Maven)");
        }
        return Native.load(lib.toString(), Control.class);
    }

    /** Sets a scripted value, failing the test on a misspelt key. */
    static void set(Control fake, int gpu, String key, long value) {
        if (fake.fake_set(gpu, key, value) != 0) throw new IllegalArgumentException("fake has no key " + key);
    }
}
