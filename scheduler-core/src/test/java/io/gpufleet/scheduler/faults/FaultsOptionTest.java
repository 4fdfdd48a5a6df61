package io.gpufleet.scheduler.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.scheduler.api.SchedulerServer;
import io.gpufleet.scheduler.api.ServerConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code --faults-bootstrap}: off by default, host:port list checked up front, errors name the option. */
class FaultsOptionTest {
    @Test
    void offByDefaultAndParsedInBothSpellings() {
        ServerConfig d = ServerConfig.parse(new String[0]);
        assertFalse(d.faultsEnabled());
        assertEquals("", d.faultsBootstrap());
        assertEquals("kafka:9092", ServerConfig.parse(new String[]{"--faults-bootstrap", "kafka:9092"}).faultsBootstrap());
        ServerConfig two = ServerConfig.parse(new String[]{"--faults-bootstrap=k1:9092,k2.example:19092"});
        assertTrue(two.faultsEnabled());
        assertEquals("k1:9092,k2.example:19092", two.faultsBootstrap());
        assertFalse(ServerConfig.parse(new String[]{"--faults-bootstrap", ""}).faultsEnabled(), "empty is off");
    }

    @Test
    void badValuesAreRefusedNamingTheOption() {
        for (String bad : new String[]{"kafka", "kafka:", ":9092", "kafka:x", "kafka:0", "kafka:70000", "k1:9092,",
                "ka fka:9092", "http://kafka:9092"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ServerConfig.parse(new String[]{"--faults-bootstrap", bad}), bad);
            assertTrue(e.getMessage().startsWith("--faults-bootstrap: "), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> ServerConfig.parse(new String[]{"--faults-bootstrap"}));
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        assertEquals(2, SchedulerServer.run(new String[]{"--faults-bootstrap", "kafka:x"}, new PrintStream(buf, true, StandardCharsets.UTF_8)));
        assertTrue(buf.toString(StandardCharsets.UTF_8).contains("--faults-bootstrap: port 'x' is not an integer"), buf.toString());
    }
}
