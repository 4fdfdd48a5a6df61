package io.gpufleet.exporter.sim;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.gpufleet.exporter.source.ClockEventReason;
import io.gpufleet.exporter.source.GpuField;
import io.gpufleet.exporter.source.GpuIdentity;
import io.gpufleet.exporter.source.GpuReading;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The simulator's control API, meant to be mounted at context {@code /sim} of a
 * {@code com.sun.net.httpserver.HttpServer}:
 *
 * <ul>
 *   <li>{@code GET /sim/nodes} — nodes, GPUs, models, live numbers, running work, active faults</li>
 *   <li>{@code GET /sim/faults}, {@code POST /sim/faults} (inject), {@code DELETE /sim/faults?node=..&gpu=..} (clear)</li>
 *   <li>{@code GET /sim/workloads}, {@code POST /sim/workloads} (start, answers {@code {"id":...}}),
 *       {@code DELETE /sim/workloads/{id}} (stop)</li>
 * </ul>
 *
 * Bad requests answer 400 with {@code {"error":"...","field":"..."}} and change nothing; a wrong method
 * 405; an unknown path or id 404; a body over {@value #MAX_BODY_BYTES} bytes 413.
 */
public final class SimulationHttpHandler implements HttpHandler {
    private static final Logger LOG = LoggerFactory.getLogger(SimulationHttpHandler.class);

    /** Largest request body accepted. */
    public static final int MAX_BODY_BYTES = 64 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private static final Set<String> FAULT_COMMON = Set.of("node", "gpu", "type");
    private static final Map<String, Set<String>> FAULT_PARAMS = Map.of(
            "xid", Set.of("xid"),
            "ecc_dbe", Set.of(),
            "ecc_sbe", Set.of("count"),
            "thermal", Set.of("durationSeconds"),
            "fall_off_bus", Set.of(),
            "memory_leak", Set.of("bytesPerSecond"),
            "row_remap_failure", Set.of(),
            "power_brake", Set.of("durationSeconds"));
    private static final Set<String> WORKLOAD_FIELDS = Set.of("node", "gpu", "namespace", "pod", "container",
            "utilization", "memoryBytes", "shareMemoryBytes", "shareCoreMilli");

    private final SimulatedFleet fleet;

    public SimulationHttpHandler(SimulatedFleet fleet) {
        if (fleet == null) throw new IllegalArgumentException("fleet must be set");
        this.fleet = fleet;
    }

    /** A request that cannot be served, with the status and the field at fault (null when none). */
    private static final class ApiException extends RuntimeException {
        final int status;
        final String field;
        final String allow;

        ApiException(int status, String field, String message) {
            this(status, field, message, null);
        }

        ApiException(int status, String field, String message, String allow) {
            super(message, null, false, false);
            this.status = status;
            this.field = field;
            this.allow = allow;
        }
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        try (ex) {
            try {
                Response r = route(ex);
                send(ex, r.status, r.body);
            } catch (ApiException e) {
                if (e.allow != null) ex.getResponseHeaders().set("Allow", e.allow);
                // the unread rest of an oversized body makes the connection unusable for another request
                if (e.status == 413) ex.getResponseHeaders().set("Connection", "close");
                send(ex, e.status, error(e.getMessage(), e.field));
            } catch (InvalidFieldException e) {
                send(ex, 400, error(e.getMessage(), e.field()));
            } catch (IllegalArgumentException e) {
                send(ex, 400, error(e.getMessage(), null));
            } catch (RuntimeException e) {
                LOG.warn("simulation API {} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
                send(ex, 500, error("internal error: " + e, null));
            }
        }
    }

    private record Response(int status, JsonNode body) {}

    private Response route(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String ctx = ex.getHttpContext().getPath();
        if (ctx.endsWith("/")) ctx = ctx.substring(0, ctx.length() - 1);
        if (path.startsWith(ctx)) path = path.substring(ctx.length());
        while (path.length() > 1 && path.endsWith("/")) path = path.substring(0, path.length() - 1);
        String method = ex.getRequestMethod();

        if (path.equals("/nodes")) {
            allow(method, "GET");
            return new Response(200, nodesJson());
        }
        if (path.equals("/faults")) {
            allow(method, "GET, POST, DELETE");
            return switch (method) {
                case "GET" -> new Response(200, faultsJson());
                case "POST" -> new Response(200, injectFault(readObject(ex)));
                default -> new Response(200, clearFaults(query(ex)));
            };
        }
        if (path.equals("/workloads")) {
            allow(method, "GET, POST");
            return method.equals("GET") ? new Response(200, workJson())
                    : new Response(201, startWork(readObject(ex)));
        }
        if (path.startsWith("/workloads/")) {
            allow(method, "DELETE");
            String id = URLDecoder.decode(path.substring("/workloads/".length()), StandardCharsets.UTF_8);
            if (!fleet.stopWork(id)) throw new ApiException(404, "id", "no running work '" + id + "'");
            ObjectNode o = JSON.createObjectNode();
            o.put("id", id);
            o.put("stopped", true);
            return new Response(200, o);
        }
        throw new ApiException(404, null, "no such resource: " + ex.getRequestURI().getPath()
                + " (try GET " + ctx + "/nodes)");
    }

    private static void allow(String method, String allowed) {
        for (String m : allowed.split(", ")) {
            if (m.equals(method)) return;
        }
        throw new ApiException(405, null, "method " + method + " not allowed here (allowed: " + allowed + ")",
                allowed);
    }

    // ---- faults --------------------------------------------------------------------------------

    private JsonNode injectFault(ObjectNode body) {
        String type = text(body, "type", true);
        Set<String> params = FAULT_PARAMS.get(type);
        if (params == null) {
            throw new ApiException(400, "type", "unknown fault type '" + type + "' (known: "
                    + String.join(", ", Fault.types()) + ")");
        }
        rejectUnknown(body, FAULT_COMMON, params);
        String node = text(body, "node", true);
        int gpu = intValue(body, "gpu", null);
        fleet.node(node);
        Fault fault = switch (type) {
            case "xid" -> new Fault.Xid(longValue(body, "xid", null));
            case "ecc_dbe" -> new Fault.EccDoubleBit();
            case "ecc_sbe" -> new Fault.EccSingleBit(longValue(body, "count", 1L));
            case "thermal" -> new Fault.ThermalSlowdown(seconds(body, "durationSeconds", 60));
            case "fall_off_bus" -> new Fault.FallOffBus();
            case "memory_leak" -> new Fault.MemoryLeak(longValue(body, "bytesPerSecond", null));
            case "row_remap_failure" -> new Fault.RowRemapFailure();
            default -> new Fault.PowerBrake(seconds(body, "durationSeconds", 30));
        };
        fleet.inject(node, gpu, fault);
        ObjectNode o = JSON.createObjectNode();
        o.put("node", node);
        o.put("gpu", gpu);
        o.set("fault", JSON.valueToTree(Fault.describe(fault)));
        return o;
    }

    private JsonNode clearFaults(Map<String, String> query) {
        for (String k : query.keySet()) {
            if (!k.equals("node") && !k.equals("gpu")) {
                throw new ApiException(400, k, "unknown query parameter '" + k + "' (expected node and gpu)");
            }
        }
        String node = query.get("node");
        if (node == null || node.isEmpty()) throw new ApiException(400, "node", "node is required");
        String gpuText = query.get("gpu");
        if (gpuText == null || gpuText.isEmpty()) throw new ApiException(400, "gpu", "gpu is required");
        int gpu;
        try {
            gpu = Integer.parseInt(gpuText);
        } catch (NumberFormatException e) {
            throw new ApiException(400, "gpu", "gpu must be an integer, was '" + gpuText + "'");
        }
        int cleared = fleet.clear(node, gpu);
        ObjectNode o = JSON.createObjectNode();
        o.put("node", node);
        o.put("gpu", gpu);
        o.put("cleared", cleared);
        return o;
    }

    private JsonNode faultsJson() {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode arr = root.putArray("faults");
        for (ActiveFault f : fleet.faults()) arr.add(faultJson(f, true));
        return root;
    }

    private static ObjectNode faultJson(ActiveFault f, boolean withPlace) {
        ObjectNode o = JSON.createObjectNode();
        if (withPlace) {
            o.put("node", f.node());
            o.put("gpu", f.gpu());
        }
        for (Map.Entry<String, Object> e : Fault.describe(f.fault()).entrySet()) {
            o.set(e.getKey(), JSON.valueToTree(e.getValue()));
        }
        o.put("sinceMillis", f.sinceMillis());
        if (f.untilMillis() >= 0) o.put("untilMillis", f.untilMillis());
        return o;
    }

    // ---- work ----------------------------------------------------------------------------------

    private JsonNode startWork(ObjectNode body) {
        rejectUnknown(body, WORKLOAD_FIELDS, Set.of());
        String node = text(body, "node", true);
        int gpu = intValue(body, "gpu", null);
        Workload w = new Workload(text(body, "namespace", true), text(body, "pod", true),
                text(body, "container", false), doubleValue(body, "utilization"),
                longValue(body, "memoryBytes", null), longValue(body, "shareMemoryBytes", 0L),
                intValue(body, "shareCoreMilli", 0L));
        String id = fleet.startWork(node, gpu, w);
        ObjectNode o = JSON.createObjectNode();
        o.put("id", id);
        o.put("node", node);
        o.put("gpu", gpu);
        return o;
    }

    private JsonNode workJson() {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode arr = root.putArray("workloads");
        for (RunningWork w : fleet.work()) arr.add(workJson(w, true));
        return root;
    }

    private static ObjectNode workJson(RunningWork rw, boolean withPlace) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", rw.id());
        if (withPlace) {
            o.put("node", rw.node());
            o.put("gpu", rw.gpu());
        }
        Workload w = rw.workload();
        o.put("namespace", w.namespace());
        o.put("pod", w.pod());
        o.put("container", w.container());
        o.put("utilization", w.utilization());
        o.put("memoryBytes", w.memoryBytes());
        o.put("shareMemoryBytes", w.shareMemoryBytes());
        o.put("shareCoreMilli", w.shareCoreMilli());
        o.put("pid", rw.pid());
        o.put("startedMillis", rw.startedMillis());
        return o;
    }

    // ---- nodes ---------------------------------------------------------------------------------

    private JsonNode nodesJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("seed", fleet.config().seed());
        root.put("gpus", fleet.gpuCount());
        ArrayNode arr = root.putArray("nodes");
        for (SimulatedNode node : fleet.nodes()) {
            ObjectNode n = arr.addObject();
            NodeSpec spec = node.spec();
            n.put("name", node.node());
            n.put("model", spec.model().productName());
            n.put("modelKey", spec.model().key());
            n.put("shape", spec.shape().key());
            n.put("gpuCount", spec.gpus());
            List<RunningWork> work = node.work();
            List<ActiveFault> faults = node.faults();
            ArrayNode gpus = n.putArray("gpus");
            for (GpuIdentity id : node.gpus()) {
                GpuReading r = node.read(id);
                ObjectNode g = gpus.addObject();
                g.put("index", id.index());
                g.put("uuid", id.uuid());
                g.put("pciBusId", id.pciBusId());
                g.put("numaNode", id.numaNode());
                g.put("lost", r.lost());
                g.put("memoryTotalBytes", spec.model().memoryTotalBytes());
                g.put("powerLimitWatts", spec.model().powerLimitWatts());
                if (!r.lost()) {
                    g.put("memoryUsedBytes", (long) r.value(GpuField.MEMORY_USED_BYTES));
                    g.put("utilization", r.value(GpuField.GPU_UTILIZATION_RATIO));
                    g.put("temperatureCelsius", r.value(GpuField.GPU_TEMPERATURE_CELSIUS));
                    g.put("powerWatts", r.value(GpuField.POWER_USAGE_WATTS));
                    ArrayNode reasons = g.putArray("clockEventReasons");
                    for (ClockEventReason c : ClockEventReason.decode((long) r.value(GpuField.CLOCK_EVENT_REASONS))) {
                        reasons.add(c.label());
                    }
                }
                ArrayNode w = g.putArray("work");
                for (RunningWork rw : work) {
                    if (rw.gpu() == id.index()) w.add(workJson(rw, false));
                }
                ArrayNode f = g.putArray("faults");
                for (ActiveFault af : faults) {
                    if (af.gpu() == id.index()) f.add(faultJson(af, false));
                }
            }
        }
        return root;
    }

    // ---- request parsing -----------------------------------------------------------------------

    private static ObjectNode readObject(HttpExchange ex) throws IOException {
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            try {
                if (Long.parseLong(length.trim()) > MAX_BODY_BYTES) throw tooLarge();
            } catch (NumberFormatException e) {
                throw new ApiException(400, null, "bad Content-Length '" + length + "'");
            }
        }
        byte[] body = readLimited(ex.getRequestBody());
        if (body.length == 0) throw new ApiException(400, "body", "request body is empty; a JSON object is expected");
        JsonNode tree;
        try {
            tree = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new ApiException(400, "body", "malformed JSON: " + e.getOriginalMessage());
        }
        if (!(tree instanceof ObjectNode o)) {
            throw new ApiException(400, "body", "a JSON object is expected");
        }
        return o;
    }

    private static byte[] readLimited(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf)) > 0) {
            out.write(buf, 0, n);
            if (out.size() > MAX_BODY_BYTES) throw tooLarge();
        }
        return out.toByteArray();
    }

    private static ApiException tooLarge() {
        return new ApiException(413, "body", "request body exceeds " + MAX_BODY_BYTES + " bytes");
    }

    private static void rejectUnknown(ObjectNode body, Set<String> common, Set<String> extra) {
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!common.contains(f) && !extra.contains(f)) {
                throw new ApiException(400, f, "unknown field '" + f + "'");
            }
        }
    }

    private static String text(ObjectNode body, String field, boolean required) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            if (required) throw new ApiException(400, field, field + " is required");
            return null;
        }
        if (!v.isTextual()) throw new ApiException(400, field, field + " must be a string, was " + v.getNodeType());
        return v.asText();
    }

    private static long longValue(ObjectNode body, String field, Long dflt) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            if (dflt == null) throw new ApiException(400, field, field + " is required");
            return dflt;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new ApiException(400, field, field + " must be an integer, was " + v);
        }
        return v.asLong();
    }

    private static int intValue(ObjectNode body, String field, Long dflt) {
        long v = longValue(body, field, dflt);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new ApiException(400, field, field + " is out of range: " + v);
        }
        return (int) v;
    }

    private static double doubleValue(ObjectNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) throw new ApiException(400, field, field + " is required");
        if (!v.isNumber()) throw new ApiException(400, field, field + " must be a number, was " + v);
        return v.asDouble();
    }

    private static Duration seconds(ObjectNode body, String field, double dflt) {
        JsonNode v = body.get(field);
        double s = dflt;
        if (v != null && !v.isNull()) {
            if (!v.isNumber()) throw new ApiException(400, field, field + " must be a number, was " + v);
            s = v.asDouble();
        }
        if (!(s > 0 && s <= 86_400 * 7)) {
            throw new ApiException(400, field, field + " must be within (0, 604800], was " + s);
        }
        return Duration.ofMillis(Math.round(s * 1000));
    }

    private static Map<String, String> query(HttpExchange ex) {
        Map<String, String> out = new LinkedHashMap<>();
        String q = ex.getRequestURI().getRawQuery();
        if (q == null || q.isEmpty()) return out;
        for (String pair : q.split("&")) {
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.put(k, v);
        }
        return out;
    }

    // ---- responses -----------------------------------------------------------------------------

    private static JsonNode error(String message, String field) {
        ObjectNode o = JSON.createObjectNode();
        o.put("error", message);
        if (field == null) {
            o.putNull("field");
        } else {
            o.put("field", field);
        }
        return o;
    }

    private static void send(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}
