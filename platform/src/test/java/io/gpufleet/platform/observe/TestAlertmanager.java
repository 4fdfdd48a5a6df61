package io.gpufleet.platform.observe;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real Alertmanager ({@code prometheus-alertmanager}) on a free loopback port, clustering off, with the shipped
 * example configuration made to post to the test's webhook and to wait 1 s instead of its production
 * group_wait and group_interval.
 */
final class TestAlertmanager implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path log;

    private TestAlertmanager(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** The example configuration with the webhook base URL and the test's grouping times substituted. */
    static String testConfig(String example, String webhookBase, String groupWait, String groupInterval) {
        String c = example.replace("http://127.0.0.1:5001", webhookBase)
                .replaceAll("(?m)^(\\s+group_wait: ).+$", "$1" + groupWait)
                .replaceAll("(?m)^(\\s+group_interval: ).+$", "$1" + groupInterval);
        if (c.equals(example) || c.contains("127.0.0.1:5001")) throw new IllegalStateException("example config changed shape");
        return c;
    }

    static TestAlertmanager start(Path dir, String config) throws IOException, InterruptedException {
        Path binary = Tools.require("prometheus-alertmanager");
        int port = LocalPrometheus.freePort(0);
        Path file = dir.resolve("alertmanager.yml");
        Files.writeString(file, config);
        Path log = dir.resolve("alertmanager.log");
        Process p = new ProcessBuilder(List.of(binary.toString(), "--config.file=" + file,
                "--storage.path=" + dir.resolve("am-data"), "--web.listen-address=127.0.0.1:" + port,
                "--cluster.listen-address=", "--log.level=warn"))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        TestAlertmanager am = new TestAlertmanager(p, port, log);
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) throw new IOException("alertmanager exited: " + Files.readString(log));
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/-/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return am;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        am.close();
        throw new IOException("alertmanager not ready in 20 s: " + Files.readString(log));
    }

    String address() {
        return "127.0.0.1:" + port;
    }

    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
    }
}
