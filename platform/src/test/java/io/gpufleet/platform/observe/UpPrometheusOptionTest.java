package io.gpufleet.platform.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.platform.up.UpCommand;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code fleet up --prometheus}'s options and rule discovery, without starting anything. */
class UpPrometheusOptionTest {

    @Test
    void aPrometheusPortOutOfRangeStopsUpWithTheOptionNamed() {
        PrintStream before = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = new CommandLine(new UpCommand()).execute("--prometheus", "--prometheus-port", "70000");
        } finally {
            System.setErr(before);
        }
        assertEquals(2, exit);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--prometheus-port: must be within 0..65535, was 70000"), err.toString());
    }

    @Test
    void helpListsTheOptions() {
        String usage = new CommandLine(new UpCommand()).getUsageMessage();
        assertTrue(usage.contains("--prometheus "), usage);
        assertTrue(usage.contains("--prometheus-port=<port>"), usage);
    }

    @Test
    void ruleFilesAreTheYmlFilesOfTheFolderNotItsTests() {
        List<String> names = FleetPrometheus.ruleFiles(Optional.of(ObserveFiles.alerts())).stream()
                .map(p -> p.getFileName().toString()).toList();
        assertEquals(List.of("gpufleet-exporter.yml", "gpufleet-platform.yml", "gpufleet-recording.yml"), names);
        assertTrue(FleetPrometheus.ruleFiles(Optional.empty()).isEmpty());
        assertTrue(FleetPrometheus.rulesDirectory().isPresent(), "alerts/ found from the build tree");
    }
}
