package io.gpufleet.scheduler.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --profile}: the built-in default without it; a file is checked at start, errors name the option and file. */
class ProfileOptionTest {
    @Test
    void aProfileFileReplacesTheDefaultAndABadOneIsRefusedNamingTheField(@TempDir Path dir) throws IOException {
        assertEquals("default", ServerConfig.parse(new String[0]).profile().name());
        Path spread = dir.resolve("spread.yaml");
        Files.writeString(spread, """
                profileName: spread
                plugins:
                  preFilter: [constraints, gpushare]
                  filter: [noderesources, constraints, gpushare]
                  score: [spread]
                  bind: [defaultbinder]
                """);
        ServerConfig c = ServerConfig.parse(new String[]{"--profile", spread.toString()});
        assertEquals("spread", c.profile().name());
        assertEquals("spread", SchedulerServer.embedded(c, Clock.systemUTC()).scheduler().profile().name());
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "profileName: bad\nplugins:\n  score: [nosuchplugin]\n  bind: [defaultbinder]\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ServerConfig.parse(new String[]{"--profile=" + bad}));
        assertTrue(e.getMessage().startsWith("--profile: " + bad + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("nosuchplugin"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ServerConfig.parse(new String[]{"--profile", dir.resolve("none.yaml").toString()}));
        assertTrue(e.getMessage().contains("not a readable file"), e.getMessage());
    }
}
