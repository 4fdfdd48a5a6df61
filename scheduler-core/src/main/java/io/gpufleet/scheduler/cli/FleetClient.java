package io.gpufleet.scheduler.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The command-line client of the scheduler's REST API (the {@code fleet jobs ...} and {@code fleet top ...} verbs),
 * free of any CLI framework so any command tree can call it:
 *
 * <pre>
 * fleet jobs submit --name train --namespace team-a --gpus 4 [--replicas 2 --gang] [--cpu 8 --memory 64Gi]
 *                   [--gpu-memory 20Gi --gpu-core 50 --model A100-SXM4-80GB --quota-group g --priority 10
 *                    --dataset imagenet --selector k=v]      or   fleet jobs submit -f job.yaml
 * fleet jobs list [--namespace team-a]
 * fleet jobs get team-a/train        fleet jobs delete team-a/train
 * fleet top nodes | gpus | quotas
 * </pre>
 *
 * Server and token: {@code --server URL --token T} or the environment ({@value #ENV_SERVER}, {@value #ENV_TOKEN});
 * {@code --ca-cert PEM} trusts a server certificate; {@code -o json} prints the server's JSON. Exit codes: 0 done,
 * 1 the server refused or could not be reached (its message printed), 2 bad usage.
 */
public final class FleetClient {
    public static final String ENV_SERVER = "FLEET_SERVER";
    public static final String ENV_TOKEN = "FLEET_TOKEN";
    public static final String DEFAULT_SERVER = "http://localhost:8888";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrintStream out;
    private final String server;
    private final String token;
    private final HttpClient http;
    private final boolean json;

    private FleetClient(PrintStream out, String server, String token, HttpClient http, boolean json) {
        this.out = out;
        this.server = server.endsWith("/") ? server.substring(0, server.length() - 1) : server;
        this.token = token;
        this.http = http;
        this.json = json;
    }

    /** Bad command-line usage (exit 2). */
    static final class Usage extends RuntimeException {
        Usage(String m) {
            super(m);
        }
    }

    /** The server answered with an error, or could not be reached (exit 1). */
    static final class Failed extends RuntimeException {
        Failed(String m) {
            super(m);
        }
    }

    /** {@code fleet <jobs|top> ...}. */
    public static int run(String[] args, PrintStream out) {
        return run(args, out, System.getenv());
    }

    /** {@code fleet jobs <submit|list|get|delete> ...}. */
    public static int jobs(String[] args, PrintStream out) {
        return run(prepend("jobs", args), out, System.getenv());
    }

    /** {@code fleet top <nodes|gpus|quotas> ...}. */
    public static int top(String[] args, PrintStream out) {
        return run(prepend("top", args), out, System.getenv());
    }

    private static String[] prepend(String first, String[] args) {
        String[] a = new String[args.length + 1];
        a[0] = first;
        System.arraycopy(args, 0, a, 1, args.length);
        return a;
    }

    /** As {@link #run(String[], PrintStream)} with an explicit environment. */
    public static int run(String[] args, PrintStream out, Map<String, String> env) {
        try {
            Opts o = Opts.parse(args);
            String server = o.one("server", env.getOrDefault(ENV_SERVER, DEFAULT_SERVER));
            String token = o.one("token", env.get(ENV_TOKEN));
            HttpClient.Builder hb = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
            String ca = o.one("ca-cert", null);
            if (ca != null) hb.sslContext(trusting(Path.of(ca)));
            FleetClient c = new FleetClient(out, server, token, hb.build(), "json".equals(o.one("o", o.one("output", "table"))));
            if (o.positional.isEmpty()) throw new Usage("expected: jobs submit|list|get|delete, or top nodes|gpus|quotas");
            String group = o.positional.get(0);
            String verb = o.positional.size() > 1 ? o.positional.get(1) : "";
            switch (group + " " + verb) {
                case "jobs submit" -> c.submit(o);
                case "jobs list" -> c.list(o);
                case "jobs get" -> c.get(o.arg(2, "job (namespace/name)"), o);
                case "jobs delete" -> c.delete(o.arg(2, "job (namespace/name)"), o);
                case "top nodes" -> c.topNodes();
                case "top gpus" -> c.topGpus();
                case "top quotas" -> c.topQuotas();
                default -> throw new Usage("unknown command '" + (group + " " + verb).trim() + "'; expected jobs submit|list|get|delete or top nodes|gpus|quotas");
            }
            return 0;
        } catch (Usage e) {
            out.println("usage error: " + e.getMessage());
            return 2;
        } catch (Failed e) {
            out.println("error: " + e.getMessage());
            return 1;
        }
    }

    private static SSLContext trusting(Path pem) {
        try (InputStream in = Files.newInputStream(pem)) {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) ks.setCertificateEntry("ca" + i++, c);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (Exception e) {
            throw new Usage("--ca-cert " + pem + ": " + e.getMessage());
        }
    }

    // ---- verbs ---------------------------------------------------------------------------------------------

    private void submit(Opts o) {
        ObjectNode job;
        String file = o.one("f", o.one("file", null));
        if (file != null) {
            job = fromYaml(Path.of(file));
        } else {
            job = JSON.createObjectNode();
            job.put("name", o.required("name"));
        }
        // flags override the file
        if (o.has("name")) job.put("name", o.one("name", null));
        if (o.has("namespace")) job.put("namespace", o.one("namespace", null));
        if (o.has("replicas")) job.put("replicas", o.integer("replicas"));
        if (o.has("priority")) job.put("priority", o.integer("priority"));
        if (o.has("quota-group")) job.put("quotaGroup", o.one("quota-group", null));
        if (o.has("dataset")) job.put("dataset", o.one("dataset", null));
        ObjectNode res = job.has("resources") ? (ObjectNode) job.get("resources") : job.putObject("resources");
        Map<String, String> flagRes = new LinkedHashMap<>();
        flagRes.put("gpus", "nvidia.com/gpu");
        flagRes.put("gpu-memory", "gpufleet.io/gpu-memory");
        flagRes.put("gpu-core", "gpufleet.io/gpu-core");
        flagRes.put("cpu", "cpu");
        flagRes.put("memory", "memory");
        flagRes.forEach((flag, name) -> { if (o.has(flag)) res.put(name, o.one(flag, null)); });
        if (res.isEmpty()) throw new Usage("a job needs resources: --gpus, --cpu, --memory, --gpu-memory or --gpu-core (or -f FILE)");
        if (o.has("model")) {
            var arr = job.putArray("gpuModels");
            o.all("model").forEach(arr::add);
        }
        if (o.has("selector")) {
            ObjectNode sel = job.putObject("nodeSelector");
            for (String kv : o.all("selector")) {
                int eq = kv.indexOf('=');
                if (eq <= 0) throw new Usage("--selector " + kv + ": expected key=value");
                sel.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        if (o.has("gang") || o.has("min-member")) {
            ObjectNode g = job.has("gang") ? (ObjectNode) job.get("gang") : job.putObject("gang");
            if (o.has("min-member")) g.put("minMember", o.integer("min-member"));
        }
        JsonNode j = call("POST", "/api/v1/jobs", job.toString());
        if (json) {
            out.println(j.toPrettyString());
            return;
        }
        out.println("job " + j.path("id").asText() + " submitted: " + j.path("phase").asText());
        printPods(j);
    }

    private static ObjectNode fromYaml(Path file) {
        try {
            Object y = new Load(LoadSettings.builder().build()).loadFromString(Files.readString(file));
            JsonNode n = JSON.valueToTree(y);
            if (!(n instanceof ObjectNode on)) throw new Usage(file + ": expected a mapping with the job's fields");
            // quantities written as YAML numbers (gpus: 2) are sent as the strings the API expects
            if (on.get("resources") instanceof ObjectNode r) new ArrayList<>(r.properties()).forEach(e -> r.put(e.getKey(), e.getValue().asText()));
            return on;
        } catch (IOException e) {
            throw new Usage(file + ": cannot read: " + e.getMessage());
        } catch (RuntimeException e) {
            if (e instanceof Usage u) throw u;
            throw new Usage(file + ": not valid YAML: " + e.getMessage());
        }
    }

    private void list(Opts o) {
        String ns = o.one("namespace", o.one("n", null));
        JsonNode j = call("GET", "/api/v1/jobs" + (ns == null ? "" : "?namespace=" + URLEncoder.encode(ns, StandardCharsets.UTF_8)), null);
        if (json) {
            out.println(j.toPrettyString());
            return;
        }
        Table t = new Table("JOB", "KIND", "PODS", "PHASE", "QUOTA", "GPUS/POD", "SUBMITTED");
        for (JsonNode job : j.path("items")) {
            int bound = 0;
            for (JsonNode p : job.path("pods")) if (p.path("phase").asText().equals("Bound")) bound++;
            t.row(job.path("id").asText(), job.path("kind").asText(), bound + "/" + job.path("replicas").asInt(),
                    job.path("phase").asText(), job.path("quotaGroup").asText("-"),
                    job.path("resources").path("nvidia.com/gpu").asText("-"), job.path("submittedAt").asText());
        }
        t.print(out);
    }

    private void get(String id, Opts o) {
        JsonNode j = call("GET", "/api/v1/jobs/" + jobPath(id, o), null);
        if (json) {
            out.println(j.toPrettyString());
            return;
        }
        out.println("job:       " + j.path("id").asText() + " (" + j.path("kind").asText() + ", user " + j.path("user").asText() + ")");
        out.println("phase:     " + j.path("phase").asText());
        out.println("quota:     " + j.path("quotaGroup").asText("-") + "   priority " + j.path("priority").asInt());
        out.println("resources: " + j.path("resources"));
        printPods(j);
    }

    private void delete(String id, Opts o) {
        JsonNode j = call("DELETE", "/api/v1/jobs/" + jobPath(id, o), null);
        out.println("job " + j.path("id").asText() + " deleted");
    }

    private static String jobPath(String id, Opts o) {
        if (!id.contains("/")) {
            String ns = o.one("namespace", o.one("n", null));
            if (ns == null) throw new Usage("job '" + id + "': give namespace/name or --namespace");
            id = ns + "/" + id;
        }
        String[] parts = id.split("/", 2);
        return URLEncoder.encode(parts[0], StandardCharsets.UTF_8) + "/" + URLEncoder.encode(parts[1], StandardCharsets.UTF_8);
    }

    private void printPods(JsonNode job) {
        Table t = new Table("POD", "PHASE", "NODE", "GPUS", "WHY");
        for (JsonNode p : job.path("pods")) {
            List<String> gpus = new ArrayList<>();
            for (JsonNode g : p.path("gpus")) {
                gpus.add(g.path("index").asInt() + (g.path("coreMilli").asInt() == 1000 ? "" : "(" + g.path("coreMilli").asInt() / 10 + "%)"));
            }
            String why = p.path("reason").asText("");
            if (p.has("rejections")) {
                List<String> rs = new ArrayList<>();
                p.path("rejections").properties().forEach(e -> rs.add(e.getValue().asInt() + "× " + e.getKey()));
                why = why + (rs.isEmpty() ? "" : " [" + String.join("; ", rs) + "]");
            }
            t.row(p.path("name").asText(), p.path("phase").asText(), p.path("node").asText("-"),
                    gpus.isEmpty() ? "-" : String.join(",", gpus), why.isEmpty() ? "-" : why);
        }
        t.print(out);
    }

    private void topNodes() {
        JsonNode j = call("GET", "/api/v1/nodes", null);
        if (json) {
            out.println(j.toPrettyString());
            return;
        }
        Table t = new Table("NODE", "GPUS", "GPU-ALLOC", "WHOLE-FREE", "UNHEALTHY", "CPU-ALLOC", "MEM-ALLOC", "MODEL");
        for (JsonNode n : j.path("items")) {
            int bad = 0;
            for (JsonNode g : n.path("gpus")) if (!g.path("healthy").asBoolean()) bad++;
            double cpu = n.path("cpu").asDouble(), mem = n.path("memoryMiB").asDouble();
            t.row(n.path("name").asText(), n.path("gpuCount").asText(), fmt(n.path("gpuAllocated").asDouble()),
                    n.path("gpusFree").asText(), String.valueOf(bad),
                    pct(cpu - n.path("cpuFree").asDouble(), cpu), pct(mem - n.path("memoryFreeMiB").asDouble(), mem),
                    n.path("gpus").size() == 0 ? "-" : n.path("gpus").get(0).path("model").asText());
        }
        t.print(out);
    }

    private void topGpus() {
        JsonNode j = call("GET", "/api/v1/nodes", null);
        if (json) {
            out.println(j.toPrettyString());
            return;
        }
        Table t = new Table("NODE", "GPU", "MODEL", "CORE-USED", "MEM-USED", "HEALTHY", "PODS");
        for (JsonNode n : j.path("items")) {
            for (JsonNode g : n.path("gpus")) {
                long mem = g.path("memoryMiB").asLong();
                t.row(n.path("name").asText(), g.path("index").asText(), g.path("model").asText(),
                        pct(1000 - g.path("coreFreeMilli").asDouble(), 1000), pct(mem - g.path("memoryFreeMiB").asDouble(), mem),
                        g.path("healthy").asBoolean() ? "yes" : "NO", g.path("pods").size() == 0 ? "-" : join(g.path("pods")));
            }
        }
        t.print(out);
    }

    private void topQuotas() {
        JsonNode j = call("GET", "/api/v1/quotas", null);
        if (json) {
            out.println(j.toPrettyString());
            return;
        }
        Table t = new Table("GROUP", "PARENT", "NAMESPACE", "MIN-GPUS", "MAX-GPUS", "USED-GPUS", "BORROWED-GPUS");
        for (JsonNode q : j.path("items")) {
            t.row(q.path("name").asText(), q.path("parent").asText("-"), q.path("namespace").asText("-"),
                    gpus(q.path("min")), q.path("max").has("gpus") ? gpus(q.path("max")) : "unlimited", gpus(q.path("used")), gpus(q.path("borrowed")));
        }
        t.print(out);
    }

    private static String gpus(JsonNode amount) {
        return fmt(amount.path("gpus").asDouble());
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.format("%.2f", v);
    }

    private static String pct(double used, double cap) {
        return cap <= 0 ? "-" : Math.round(100 * used / cap) + "%";
    }

    private static String join(JsonNode arr) {
        List<String> s = new ArrayList<>();
        arr.forEach(x -> s.add(x.asText()));
        return String.join(",", s);
    }

    private JsonNode call(String method, String path, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server + path)).timeout(Duration.ofSeconds(30));
        if (token != null && !token.isBlank()) b.header("Authorization", "Bearer " + token);
        if (body != null) b.header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new Failed("cannot reach " + server + " (set --server or " + ENV_SERVER + ")");
        } catch (IOException e) {
            throw new Failed(server + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failed("interrupted");
        } catch (IllegalArgumentException e) {
            throw new Usage("--server " + server + ": " + e.getMessage());
        }
        JsonNode n;
        try {
            n = JSON.readTree(r.body());
        } catch (IOException e) {
            throw new Failed(r.statusCode() + " from " + server + path + ": " + r.body());
        }
        if (r.statusCode() >= 400) {
            String hint = r.statusCode() == 401 ? " (set --token or " + ENV_TOKEN + ")" : "";
            throw new Failed(r.statusCode() + " " + n.path("message").asText(r.body()) + hint);
        }
        return n;
    }

    /** Flags: {@code --key value}, {@code --key=value}, {@code -f file}, {@code -o json}, {@code --gang} (no value). */
    static final class Opts {
        final Map<String, List<String>> flags = new LinkedHashMap<>();
        final List<String> positional = new ArrayList<>();
        private static final java.util.Set<String> SWITCHES = java.util.Set.of("gang");

        static Opts parse(String[] args) {
            Opts o = new Opts();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.startsWith("-") && a.length() > 1) {
                    String k = a.startsWith("--") ? a.substring(2) : a.substring(1);
                    String v;
                    int eq = k.indexOf('=');
                    if (eq > 0) {
                        v = k.substring(eq + 1);
                        k = k.substring(0, eq);
                    } else if (SWITCHES.contains(k)) {
                        v = "true";
                    } else {
                        if (i + 1 >= args.length) throw new Usage(a + " needs a value");
                        v = args[++i];
                    }
                    o.flags.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
                } else {
                    o.positional.add(a);
                }
            }
            return o;
        }

        boolean has(String k) {
            return flags.containsKey(k);
        }

        String one(String k, String dflt) {
            List<String> v = flags.get(k);
            return v == null ? dflt : v.get(v.size() - 1);
        }

        List<String> all(String k) {
            return flags.getOrDefault(k, List.of());
        }

        String required(String k) {
            String v = one(k, null);
            if (v == null) throw new Usage("--" + k + " is required");
            return v;
        }

        int integer(String k) {
            try {
                return Integer.parseInt(one(k, null));
            } catch (NumberFormatException e) {
                throw new Usage("--" + k + ": '" + one(k, null) + "' is not an integer");
            }
        }

        String arg(int i, String what) {
            if (positional.size() <= i) throw new Usage("missing " + what);
            return positional.get(i);
        }
    }

    /** A plain aligned text table. */
    static final class Table {
        private final List<String[]> rows = new ArrayList<>();

        Table(String... header) {
            rows.add(header);
        }

        void row(String... cells) {
            rows.add(cells);
        }

        void print(PrintStream out) {
            int[] w = new int[rows.get(0).length];
            for (String[] r : rows) for (int i = 0; i < r.length; i++) w[i] = Math.max(w[i], r[i].length());
            for (String[] r : rows) {
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < r.length; i++) {
                    sb.append(r[i]);
                    if (i < r.length - 1) sb.append(" ".repeat(w[i] - r[i].length() + 2));
                }
                out.println(sb.toString().stripTrailing());
            }
            if (rows.size() == 1) out.println("(none)");
        }
    }
}
