package io.gpufleet.platform.observe;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs Prometheus' command-line tools (installed from the Debian packages in the e2e profile). */
final class Tools {
    private Tools() {}

    record Result(int exit, String output) {}

    /** The executable, or a failure that says how to install it: the e2e profile needs these tools. */
    static Path require(String name) {
        return LocalPrometheus.findOnPath(name).orElseThrow(() -> new AssertionError("'" + name + "' is not on the PATH;"
                + " the e2e tests need the Debian packages prometheus and prometheus-alertmanager"
                + " (apt-get install prometheus prometheus-alertmanager; .ci/run installs them)"));
    }

    static Result run(Path cwd, Duration timeout, List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true).start();
        byte[] out;
        try (var in = p.getInputStream()) {
            // The tools print little; reading to the end also waits for them to exit.
            out = in.readAllBytes();
        }
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command + " did not finish within " + timeout);
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
