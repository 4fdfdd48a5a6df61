package io.gpufleet.scheduler.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gpufleet.scheduler.framework.Rejection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * kube-scheduler's extender wire format ({@code k8s.io/kube-scheduler/extender/v1}). The Go types carry no JSON
 * tags, so kube-scheduler sends capitalised keys ({@code Pod}, {@code NodeNames}); hand-written clients send
 * lower-case ones. Both are read; answers use the capitalised spelling kube-scheduler decodes (Go's decoder
 * matches keys case-insensitively, so lower-case clients read them too).
 */
public final class ExtenderProtocol {
    private ExtenderProtocol() {}

    /** kube-scheduler's MaxExtenderPriority. */
    public static final int MAX_PRIORITY = 10;

    /** A field by its Go name or its lower-camel spelling. */
    static JsonNode field(JsonNode obj, String goName) {
        if (obj == null || !obj.isObject()) return null;
        JsonNode v = obj.get(goName);
        if (v == null) v = obj.get(Character.toLowerCase(goName.charAt(0)) + goName.substring(1));
        if (v == null) v = obj.get(goName.toLowerCase());  // UID -> uid
        return v == null || v.isNull() ? null : v;
    }

    /** ExtenderArgs: the pod and the candidate node names (from NodeNames, or from Nodes.items[].metadata.name). */
    public record Args(PodInfo pod, List<String> nodeNames, boolean namesOnly) {}

    public static Args args(JsonNode body) {
        PodInfo pod = pod(field(body, "Pod"), "Pod");
        JsonNode names = field(body, "NodeNames");
        List<String> out = new ArrayList<>();
        if (names != null) {
            if (!names.isArray()) throw ApiException.badRequest("field 'NodeNames': expected an array of node names");
            for (JsonNode n : names) {
                if (!n.isTextual()) throw ApiException.badRequest("field 'NodeNames': expected an array of node names");
                out.add(n.asText());
            }
            return new Args(pod, out, true);
        }
        JsonNode nodes = field(body, "Nodes");
        if (nodes == null) throw ApiException.badRequest("field 'NodeNames' or 'Nodes' is required");
        JsonNode items = nodes.get("items");
        if (items == null || !items.isArray()) throw ApiException.badRequest("field 'Nodes.items': expected an array");
        for (JsonNode n : items) {
            JsonNode name = n.path("metadata").get("name");
            if (name == null || !name.isTextual()) throw ApiException.badRequest("field 'Nodes.items[].metadata.name' is required");
            out.add(name.asText());
        }
        return new Args(pod, out, false);
    }

    /** A v1.Pod (standard lower-case keys) as the scheduler needs it. */
    public static PodInfo pod(JsonNode pod, String field) {
        if (pod == null || !pod.isObject()) throw ApiException.badRequest("field '" + field + "' is required (a v1.Pod)");
        JsonNode meta = pod.path("metadata");
        String name = text(meta, "name", field + ".metadata.name", true);
        String ns = text(meta, "namespace", field + ".metadata.namespace", false);
        if (ns == null) ns = "default";
        JsonNode spec = pod.path("spec");
        List<Map<String, String>> perContainer = new ArrayList<>();
        JsonNode containers = spec.get("containers");
        if (containers != null && containers.isArray()) {
            for (int i = 0; i < containers.size(); i++) {
                perContainer.add(strings(containers.get(i).path("resources").get("requests"),
                        field + ".spec.containers[" + i + "].resources.requests"));
            }
        }
        JsonNode prio = spec.get("priority");
        if (prio != null && !prio.isNull() && !prio.canConvertToInt()) throw ApiException.badRequest("field '" + field + ".spec.priority': expected an integer");
        return new PodInfo(ns, name, text(meta, "uid", field + ".metadata.uid", false), text(spec, "schedulerName", field + ".spec.schedulerName", false),
                text(spec, "nodeName", field + ".spec.nodeName", false),
                strings(meta.get("labels"), field + ".metadata.labels"), strings(meta.get("annotations"), field + ".metadata.annotations"),
                PodInfo.sum(perContainer), strings(spec.get("nodeSelector"), field + ".spec.nodeSelector"),
                prio == null || prio.isNull() ? 0 : prio.asInt());
    }

    private static String text(JsonNode obj, String key, String field, boolean required) {
        JsonNode v = obj == null ? null : obj.get(key);
        if (v == null || v.isNull()) {
            if (required) throw ApiException.badRequest("field '" + field + "' is required");
            return null;
        }
        if (!v.isTextual()) throw ApiException.badRequest("field '" + field + "': expected a string");
        return v.asText();
    }

    private static Map<String, String> strings(JsonNode obj, String field) {
        Map<String, String> out = new LinkedHashMap<>();
        if (obj == null || obj.isNull()) return out;
        if (!obj.isObject()) throw ApiException.badRequest("field '" + field + "': expected an object");
        for (Map.Entry<String, JsonNode> e : obj.properties()) {
            JsonNode v = e.getValue();
            if (v.isTextual() || v.isNumber()) out.put(e.getKey(), v.asText());
            else throw ApiException.badRequest("field '" + field + "." + e.getKey() + "': expected a string");
        }
        return out;
    }

    /** ExtenderFilterResult. Fitting nodes in the spelling they came in; rejected ones with their reasons. */
    public static ObjectNode filterResult(Args args, Map<String, Rejection> result, JsonNode originalNodes) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        ObjectNode failed = out.putObject("FailedNodes");
        ObjectNode unresolvable = out.putObject("FailedAndUnresolvableNodes");
        List<String> fit = new ArrayList<>();
        for (Map.Entry<String, Rejection> e : result.entrySet()) {
            Rejection r = e.getValue();
            if (r == null) fit.add(e.getKey());
            else (r.resolvable() ? failed : unresolvable).put(e.getKey(), r.plugin() + ": " + r.message());
        }
        if (args.namesOnly()) {
            ArrayNode names = out.putArray("NodeNames");
            fit.forEach(names::add);
        } else {
            ObjectNode nodes = out.putObject("Nodes");
            ArrayNode items = nodes.putArray("items");
            JsonNode orig = originalNodes == null ? null : originalNodes.get("items");
            if (orig != null) for (JsonNode n : orig) if (fit.contains(n.path("metadata").path("name").asText())) items.add(n);
        }
        out.put("Error", "");
        return out;
    }

    /** HostPriorityList. */
    public static ArrayNode priorities(Map<String, Integer> scores) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        scores.forEach((host, score) -> out.addObject().put("Host", host).put("Score", score));
        return out;
    }

    /** ExtenderBindingArgs: namespace, name, uid, node. */
    public record Binding(String podNamespace, String podName, String podUid, String node) {}

    public static Binding binding(JsonNode body) {
        String name = req(body, "PodName");
        String ns = field(body, "PodNamespace") == null ? "default" : req(body, "PodNamespace");
        JsonNode uid = field(body, "PodUID");
        return new Binding(ns, name, uid == null ? null : uid.asText(), req(body, "Node"));
    }

    private static String req(JsonNode body, String goName) {
        JsonNode v = field(body, goName);
        if (v == null) throw ApiException.badRequest("field '" + goName + "' is required");
        if (!v.isTextual() || v.asText().isBlank()) throw ApiException.badRequest("field '" + goName + "': expected a non-empty string");
        return v.asText();
    }

    /**
     * ExtenderPreemptionArgs: the pod and, per candidate node, the victims as {@code namespace/name} (from
     * NodeNameToVictims' full pods) or as UIDs (NodeNameToMetaVictims, resolved with {@code uidToPod}).
     */
    public record Preemption(PodInfo pod, Map<String, List<String>> victims, Map<String, List<String>> victimUids) {}

    public static Preemption preemption(JsonNode body) {
        PodInfo pod = pod(field(body, "Pod"), "Pod");
        Map<String, List<String>> victims = new LinkedHashMap<>();
        Map<String, List<String>> uids = new LinkedHashMap<>();
        JsonNode full = field(body, "NodeNameToVictims");
        JsonNode meta = field(body, "NodeNameToMetaVictims");
        if (full == null && meta == null) throw ApiException.badRequest("field 'NodeNameToVictims' or 'NodeNameToMetaVictims' is required");
        if (full != null) {
            if (!full.isObject()) throw ApiException.badRequest("field 'NodeNameToVictims': expected an object");
            full.properties().forEach(e -> {
                List<String> l = new ArrayList<>();
                List<String> u = new ArrayList<>();
                JsonNode pods = field(e.getValue(), "Pods");
                if (pods != null) for (JsonNode p : pods) {
                    PodInfo v = pod(p, "NodeNameToVictims." + e.getKey() + ".Pods[]");
                    l.add(v.key());
                    u.add(v.uid() == null ? "" : v.uid());
                }
                victims.put(e.getKey(), l);
                uids.put(e.getKey(), u);
            });
        } else {
            if (!meta.isObject()) throw ApiException.badRequest("field 'NodeNameToMetaVictims': expected an object");
            meta.properties().forEach(e -> {
                List<String> u = new ArrayList<>();
                JsonNode pods = field(e.getValue(), "Pods");
                if (pods != null) for (JsonNode p : pods) {
                    JsonNode uid = field(p, "UID");
                    if (uid == null) throw ApiException.badRequest("field 'NodeNameToMetaVictims." + e.getKey() + ".Pods[].UID' is required");
                    u.add(uid.asText());
                }
                uids.put(e.getKey(), u);
            });
        }
        return new Preemption(pod, victims, uids);
    }

    /** ExtenderPreemptionResult: the nodes kept, each with its victims' UIDs. */
    public static ObjectNode preemptionResult(Map<String, List<String>> kept, Map<String, List<String>> uids) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        ObjectNode m = out.putObject("NodeNameToMetaVictims");
        for (String node : kept.keySet()) {
            ObjectNode v = m.putObject(node);
            ArrayNode pods = v.putArray("Pods");
            for (String uid : uids.getOrDefault(node, List.of())) pods.addObject().put("UID", uid);
            v.put("NumPDBViolations", 0);
        }
        return out;
    }
}
