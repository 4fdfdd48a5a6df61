package io.gpufleet.exporter.attribution;

import io.gpufleet.contracts.time.ManualClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessPodMapperTest {
    private static final String UID_A = "aaaaaaaa-0000-4000-8000-000000000001";
    private static final String UID_B = "bbbbbbbb-0000-4000-8000-000000000002";
    private static final String ID_A = "a".repeat(64);
    private static final String ID_B = "b".repeat(64);
    private static final Duration EXPIRY = Duration.ofSeconds(30);

    @TempDir
    Path proc;

    private final ManualClock clock = new ManualClock(Instant.parse("2026-11-23T12:00:00Z"));

    static void writeCgroup(Path proc, long pid, String uid, String containerId) throws IOException {
        Path dir = proc.resolve(Long.toString(pid));
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("cgroup"), "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
                + uid.replace('-', '_') + ".slice/cri-containerd-" + containerId + ".scope\n");
    }

    @Test
    void readsOncePerPidAndAnswersFromCache() throws IOException {
        writeCgroup(proc, 4242, UID_A, ID_A);
        var m = new ProcessPodMapper(proc, clock, EXPIRY);
        assertEquals(Optional.of(new ContainerRef(UID_A, ID_A)), m.lookup(4242));
        writeCgroup(proc, 4242, UID_B, ID_B);
        for (int i = 0; i < 10; i++) {
            clock.advance(Duration.ofSeconds(10)); // asked every pass, so never expires
            assertEquals(Optional.of(new ContainerRef(UID_A, ID_A)), m.lookup(4242));
        }
        assertEquals(1, m.reads());
        assertEquals(1, m.cacheSize());
    }

    @Test
    void aPidNotReportedForTheExpiryIsReadAfreshSoReusedPidsMapCorrectly() throws IOException {
        writeCgroup(proc, 100, UID_A, ID_A);
        writeCgroup(proc, 200, UID_A, ID_A);
        var m = new ProcessPodMapper(proc, clock, EXPIRY);
        m.lookup(100);
        m.lookup(200);
        // pid 100 exits; the kernel gives the number to a process of another pod.
        writeCgroup(proc, 100, UID_B, ID_B);
        clock.advance(Duration.ofSeconds(20));
        m.lookup(200);
        clock.advance(Duration.ofSeconds(15)); // 35 s since pid 100 was last reported, 15 s for pid 200
        m.lookup(200);
        assertEquals(1, m.cacheSize(), "pid 100 swept");
        assertEquals(Optional.of(new ContainerRef(UID_B, ID_B)), m.lookup(100));
        assertEquals(3, m.reads());
    }

    @Test
    void processesOutsidePodsAndVanishedPidsAreCachedAsNoPod() throws IOException {
        Path host = proc.resolve("7");
        Files.createDirectories(host);
        Files.writeString(host.resolve("cgroup"), "0::/system.slice/sshd.service\n");
        var m = new ProcessPodMapper(proc, clock, EXPIRY);
        assertEquals(Optional.empty(), m.lookup(7));
        assertEquals(Optional.empty(), m.lookup(7));
        assertEquals(Optional.empty(), m.lookup(99999), "exited before the read");
        assertEquals(2, m.reads());
        assertEquals(0, m.readErrors(), "a vanished pid is not an error");
    }

    @Test
    void unreadableFilesAreCountedNotThrown() throws IOException {
        Files.createDirectories(proc.resolve("55").resolve("cgroup")); // a directory where the file should be
        var m = new ProcessPodMapper(proc, clock, EXPIRY);
        assertEquals(Optional.empty(), m.lookup(55));
        assertEquals(1, m.readErrors());
    }

    @Test
    void rejectsBadSettingsNamingThem() {
        var e = assertThrows(IllegalArgumentException.class, () -> new ProcessPodMapper(proc, clock, Duration.ZERO));
        assertTrue(e.getMessage().contains("expireAfter"), e.getMessage());
        var n = assertThrows(NullPointerException.class, () -> new ProcessPodMapper(null, clock, EXPIRY));
        assertTrue(n.getMessage().contains("procRoot"));
    }
}
