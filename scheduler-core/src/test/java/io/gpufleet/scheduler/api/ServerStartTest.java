package io.gpufleet.scheduler.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.scheduler.cli.FleetClient;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Configuration validation, the tokens file, the command-line entry's usage errors, and TLS with PEM files. */
class ServerStartTest {
    @TempDir
    Path dir;

    @Test
    void optionsAreValidatedWithTheirNames() {
        assertEquals(8888, ServerConfig.parse(new String[0]).port());
        ServerConfig c = ServerConfig.parse(new String[]{"--port", "9000", "--nodes=32", "--kube", "--extender-open"});
        assertEquals(9000, c.port());
        assertEquals(32, c.nodes());
        assertTrue(c.kube() && c.extenderOpen());
        for (String[] bad : new String[][]{{"--port", "70000"}, {"--port", "x"}, {"--nodes", "0"}, {"--tokens", "/no/such/file"},
                {"--tls-cert", "/etc/hostname"}, {"--bogus"}, {"--port"}, {"--body-limit", "10"}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServerConfig.parse(bad));
            assertTrue(e.getMessage().startsWith(bad[0].replaceAll("=.*", "")) || e.getMessage().contains(bad[0]), e.getMessage());
        }
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        assertEquals(2, SchedulerServer.run(new String[]{"--port", "nope"}, new PrintStream(buf, true, StandardCharsets.UTF_8)));
        assertTrue(buf.toString(StandardCharsets.UTF_8).contains("--port: 'nope' is not an integer"));
    }

    @Test
    void tokensFileProblemsNameTheEntryAndField() {
        TokenFile ok = TokenFile.parse("tokens:\n  - {token: abcdefgh1, user: a, role: admin}\n  - {token: abcdefgh2, user: b, namespaces: [x]}\n", "t");
        assertTrue(ok.lookup("abcdefgh1").admin());
        assertEquals(java.util.Set.of("x"), ok.lookup("abcdefgh2").namespaces());
        assertEquals(null, ok.lookup("nope"));
        String[][] bad = {
                {"users: []", "tokens"},
                {"tokens:\n  - {token: abcdefgh1, user: a, role: root}", "tokens[0].role"},
                {"tokens:\n  - {token: short, user: a, role: admin}", "tokens[0].token"},
                {"tokens:\n  - {token: abcdefgh1, user: a, role: user}", "tokens[0].namespaces"},
                {"tokens:\n  - {token: abcdefgh1, role: admin}", "tokens[0].user"},
                {"tokens:\n  - {token: abcdefgh1, user: a, role: admin, colour: red}", "colour"},
                {"tokens:\n  - {token: abcdefgh1, user: a, role: admin}\n  - {token: abcdefgh1, user: b, role: admin}", "tokens[1].token"},
                {"tokens: [", "YAML"}};
        for (String[] b : bad) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TokenFile.parse(b[0], "t"));
            assertTrue(e.getMessage().contains(b[1]), b[0] + " -> " + e.getMessage());
        }
    }

    @Test
    void servesHttpsWithPemFiles() throws Exception {
        Path cert = dir.resolve("cert.pem"), key = dir.resolve("key.pem");
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key.toString(),
                "-out", cert.toString(), "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1")
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, new String(p.getInputStream().readAllBytes()));
        try (SchedulerServer s = SchedulerServer.start(new ServerConfig(0, "127.0.0.1", null, cert, key, false, "gpufleet", 2, 1,
                1 << 20, Duration.ofMillis(100), false))) {
            assertTrue(s.url().startsWith("https://"));
            Http https = new Http("https://127.0.0.1:" + s.port(), HttpClient.newBuilder().sslContext(trusting(cert)).build());
            assertEquals(200, https.get("/healthz", null).status());
            assertEquals(2, https.get("/api/v1/nodes", null).json().path("items").size());
            // plain HTTP to the TLS port gets no API answer
            Http plain = new Http("http://127.0.0.1:" + s.port());
            assertThrows(AssertionError.class, () -> {
                Http.Res r = plain.get("/healthz", null);
                if (r.status() != 200) throw new AssertionError("refused with " + r.status());
            });
            // the client trusts the server with --ca-cert
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            int code = FleetClient.run(new String[]{"top", "nodes", "--server", "https://127.0.0.1:" + s.port(), "--ca-cert", cert.toString()},
                    new PrintStream(buf, true, StandardCharsets.UTF_8), Map.of());
            assertEquals(0, code, buf.toString(StandardCharsets.UTF_8));
        }
    }

    static SSLContext trusting(Path pem) throws Exception {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        try (InputStream in = Files.newInputStream(pem)) {
            Certificate c = CertificateFactory.getInstance("X.509").generateCertificate(in);
            ks.setCertificateEntry("server", c);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }
}
