package io.gpufleet.platform.up;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code fleet up} in process, everything on (analytics on a Flink MiniCluster, scheduler, synthetic jobs, autoscaler)
 * for a short {@code --duration}: pods are placed, the autoscaler serves its metrics, the analytics job's quota usage
 * appears per group and user, and the URLs and the summary lines are printed.
 */
class UpCommandTest {
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void upRunsEveryPartPlacesJobsReportsQuotaUsageAndPrintsTheSummary() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> new CommandLine(new UpCommand(out)).execute(
                "--nodes", "3", "--gpus-per-node", "4", "--port", "0", "--bind-address", "127.0.0.1", "--analytics-port", "0",
                "--scheduler-port", "0", "--autoscaler-port", "0", "--fault-rate", "0", "--interval", "500ms",
                "--job-rate", "30", "--job-run-time", "30..60", "--duration", "80"));
        String scheduler = FleetUpTest.await(() -> find(buf, "scheduler\\s+(http://\\S+)/api/v1/jobs"), u -> u != null || exit.isDone(),
                Duration.ofSeconds(90));
        assertTrue(scheduler != null, "no scheduler URL printed:\n" + buf);
        String analytics = find(buf, "analytics .* at (http://\\S+/metrics)");
        assertTrue(analytics != null, "no analytics URL printed:\n" + buf);

        String autoscaler = find(buf, "autoscaler .* metrics at (http://\\S+/metrics)");
        assertTrue(autoscaler != null, "no autoscaler URL printed:\n" + buf);
        String scaling = FleetUpTest.await(() -> text(autoscaler), m -> m.contains("gpufleet_autoscaler_replicas{"), Duration.ofSeconds(20));
        assertTrue(scaling.contains("policy=\"chat-serving\""), scaling);

        String jobs = FleetUpTest.await(() -> text(scheduler + "/api/v1/jobs"), j -> j.contains("\"phase\":\"Bound\""), Duration.ofSeconds(20));
        assertTrue(jobs.contains("\"namespace\":\"team-a\"") && jobs.contains("\"namespace\":\"team-b\"")
                && jobs.contains("\"namespace\":\"inference\""), "synthetic jobs and the autoscaled replicas: " + jobs);
        String schedMetrics = text(scheduler + "/metrics");
        assertTrue(schedMetrics.matches("(?s).*gpufleet_scheduler_decisions_total\\{outcome=\"bound\"} [1-9].*"), schedMetrics);

        // the analytics job's first minute window closes about a minute in: usage per group and per user
        String usage = FleetUpTest.await(() -> text(analytics),
                m -> m.contains("gpufleet_quota_allocated_gpu_seconds{quota_group=\"team-a\",scope=\"user\""), Duration.ofSeconds(80));
        Matcher user = Pattern.compile("gpufleet_quota_allocated_gpu_seconds\\{quota_group=\"team-a\",scope=\"user\",user=\"(alice|bob)\"} ([0-9.eE+]+)")
                .matcher(usage);
        assertTrue(user.find() && Double.parseDouble(user.group(2)) > 0, usage);

        assertEquals(0, exit.get().intValue(), buf.toString());
        String printed = buf.toString(StandardCharsets.UTF_8);
        List<String> summaries = printed.lines().filter(l -> l.matches("\\[\\s*\\d+s] GPUs 12: allocated .*")).toList();
        assertTrue(summaries.size() >= 10, "a summary line every 5 s:\n" + printed);
        assertTrue(summaries.stream().anyMatch(l -> l.matches(".*scheduler: [1-9]\\d* placed.*")), printed);
        assertTrue(summaries.stream().allMatch(l -> l.matches(".*\\| autoscaler: chat \\d+/\\d+ replicas running for load [0-9.]+, \\d+ rescales; llm-pretrain \\d+ workers, \\d+ resizes")), printed);
        assertTrue(printed.contains("quota groups   research min 6"), printed);
        assertTrue(printed.matches("(?s).*quota usage today: [^\n]*team-a \\d+ GPU-s \\((alice|bob) .*"), printed);
        assertTrue(printed.contains("fleet: 12 GPUs"), printed);
    }

    @Test
    void quietPrintsTheUrlsAndTheFinalSummaryOnly() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int exit = new CommandLine(new UpCommand(new PrintStream(buf, true, StandardCharsets.UTF_8))).execute("--nodes", "1",
                "--gpus-per-node", "2", "--port", "0", "--bind-address", "127.0.0.1", "--no-analytics", "--no-scheduler",
                "--quiet", "--duration", "6");
        String printed = buf.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, printed);
        assertTrue(printed.contains("sim-node-00"), printed);
        assertTrue(!printed.contains("scheduler "), "no scheduler: " + printed);
        assertEquals(1, printed.lines().filter(l -> l.matches("\\[\\s*\\d+s] GPUs 2: .*")).count(), printed);
    }

    @Test
    void badOptionsAreNamed() {
        assertRefused("--job-run-time: expected <min>..<max>", "--job-run-time", "9..3");
        assertRefused("--job-run-time: expected <min>..<max>", "--job-run-time", "ten");
        assertRefused("--job-rate: must be >= 0", "--job-rate", "-1");
        assertRefused("--scheduler-port: must be within 0..65535", "--scheduler-port", "70000");
    }

    private static void assertRefused(String message, String... args) {
        PrintStream before = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = new CommandLine(new UpCommand()).execute(args);
        } finally {
            System.setErr(before);
        }
        assertEquals(2, exit);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains(message), err.toString(StandardCharsets.UTF_8));
    }

    private static String find(ByteArrayOutputStream buf, String regex) {
        Matcher m = Pattern.compile(regex).matcher(buf.toString(StandardCharsets.UTF_8));
        return m.find() ? m.group(1) : null;
    }

    private String text(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }
}
