package io.gpufleet.scheduler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.scheduler.api.SchedulerServer;
import io.gpufleet.scheduler.api.ServerConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command-line client against a real server: flags, YAML files, environment, tables, errors and exit codes. */
class FleetClientTest {
    @TempDir
    static Path dir;
    static SchedulerServer server;
    static Map<String, String> env;

    @BeforeAll
    static void start() throws Exception {
        Path tokens = dir.resolve("tokens.yaml");
        Files.writeString(tokens, "tokens:\n  - {token: alice-token-1, user: alice, role: user, namespaces: [team-a]}\n"
                + "  - {token: admin-token-1, user: root, role: admin}\n");
        server = SchedulerServer.start(new ServerConfig(0, "127.0.0.1", tokens, null, null, false, "gpufleet", 2, 9,
                1 << 20, Duration.ofMillis(50), false));
        env = Map.of(FleetClient.ENV_SERVER, "http://127.0.0.1:" + server.port(), FleetClient.ENV_TOKEN, "alice-token-1");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    record Out(int code, String text) {}

    static Out fleet(Map<String, String> env, String... args) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int code = FleetClient.run(args, new PrintStream(buf, true, StandardCharsets.UTF_8), env);
        return new Out(code, buf.toString(StandardCharsets.UTF_8));
    }

    @Test
    void submitListGetDeleteWithFlagsAndYaml() throws Exception {
        Out s = fleet(env, "jobs", "submit", "--name", "train", "--namespace", "team-a", "--gpus", "2", "--replicas", "2", "--gang");
        assertEquals(0, s.code(), s.text());
        assertTrue(s.text().contains("job team-a/train submitted: Running"), s.text());
        assertTrue(s.text().contains("team-a/train-0") && s.text().contains("Bound"), s.text());

        Path yaml = dir.resolve("job.yaml");
        Files.writeString(yaml, "name: notebook\nnamespace: team-a\nresources:\n  gpufleet.io/gpu-memory: 8Gi\n  gpufleet.io/gpu-core: 25\n  nvidia.com/gpu: 1\n");
        Out y = fleet(env, "jobs", "submit", "-f", yaml.toString());
        assertEquals(0, y.code(), y.text());
        assertTrue(y.text().contains("(25%)"), "a shared GPU shows its share: " + y.text());

        Out list = fleet(env, "jobs", "list");
        assertEquals(0, list.code());
        String[] lines = list.text().split("\n");
        assertTrue(lines[0].startsWith("JOB") && lines[0].contains("PHASE"), list.text());
        assertEquals(3, lines.length, list.text());
        assertTrue(list.text().contains("team-a/train") && list.text().contains("2/2"), list.text());

        Out get = fleet(env, "jobs", "get", "notebook", "--namespace", "team-a");
        assertTrue(get.text().contains("phase:     Running"), get.text());
        Out json = fleet(env, "jobs", "get", "team-a/notebook", "-o", "json");
        assertTrue(json.text().contains("\"gpus\""), json.text());

        assertEquals(0, fleet(env, "jobs", "delete", "team-a/train").code());
        assertEquals(0, fleet(env, "jobs", "delete", "team-a/notebook").code());
        assertTrue(fleet(env, "jobs", "list").text().contains("(none)"));
    }

    @Test
    void topTables() {
        fleet(env, "jobs", "submit", "--name", "t", "--namespace", "team-a", "--gpus", "3");
        Out nodes = fleet(env, "top", "nodes");
        assertEquals(0, nodes.code(), nodes.text());
        assertTrue(nodes.text().startsWith("NODE"), nodes.text());
        assertTrue(nodes.text().contains("node-0") && nodes.text().contains("node-1"));
        assertTrue(nodes.text().matches("(?s).*node-\\d\\s+8\\s+3\\s+5\\s+0.*"), "one node shows 3 allocated, 5 free: " + nodes.text());
        Out gpus = fleet(env, "top", "gpus");
        assertEquals(17, gpus.text().split("\n").length, gpus.text());
        assertTrue(gpus.text().contains("team-a/t"));
        Out quotas = fleet(env, "top", "quotas");
        assertTrue(quotas.text().contains("team-a") && quotas.text().contains("research"), quotas.text());
        assertFalse(quotas.text().contains("team-b"), "alice sees only her tree: " + quotas.text());
        assertTrue(quotas.text().matches("(?s).*team-a\\s+research\\s+team-a\\s+4\\s+12\\s+3\\s+0.*"), quotas.text());
        fleet(env, "jobs", "delete", "team-a/t");
    }

    @Test
    void errorsAndExitCodes() {
        Out noToken = fleet(Map.of(FleetClient.ENV_SERVER, env.get(FleetClient.ENV_SERVER)), "jobs", "list");
        assertEquals(1, noToken.code());
        assertTrue(noToken.text().contains("401") && noToken.text().contains("FLEET_TOKEN"), noToken.text());
        Out flagToken = fleet(Map.of(), "jobs", "list", "--server", env.get(FleetClient.ENV_SERVER), "--token", "admin-token-1");
        assertEquals(0, flagToken.code(), flagToken.text());
        Out bad = fleet(env, "jobs", "submit", "--name", "x", "--namespace", "team-a", "--gpus", "-1");
        assertEquals(1, bad.code());
        assertTrue(bad.text().contains("400") && bad.text().contains("nvidia.com/gpu"), bad.text());
        Out forbidden = fleet(env, "jobs", "submit", "--name", "x", "--namespace", "team-b", "--cpu", "1");
        assertEquals(1, forbidden.code());
        assertTrue(forbidden.text().contains("403"), forbidden.text());
        assertEquals(2, fleet(env, "jobs", "submit", "--name", "x").code(), "no resources");
        assertEquals(2, fleet(env, "jobs", "frobnicate").code());
        assertEquals(2, fleet(env, "jobs", "submit", "--name", "x", "--gpus", "1", "--replicas", "many").code());
        assertEquals(1, fleet(env, "jobs", "get", "team-a/ghost").code());
        Out down = fleet(Map.of(FleetClient.ENV_SERVER, "http://127.0.0.1:1"), "top", "nodes");
        assertEquals(1, down.code());
        assertTrue(down.text().contains("cannot reach"), down.text());
    }
}
