package io.gpufleet.scheduler.framework;

import io.gpufleet.scheduler.allocator.CardPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * A scheduling profile, the counterpart of a KubeSchedulerConfiguration profile: which plugins run at each
 * extension point, score weights, plugin arguments and the framework's own knobs. Read with {@link #fromYaml}
 * (format in the module README); every problem is reported with its path, e.g. {@code plugins.score[1].weight}.
 *
 * @param name                     profile name
 * @param percentageOfNodesToScore share of nodes to find feasible before scoring stops searching, 1..100; 0 =
 *                                 kube-scheduler's adaptive rule ({@code max(5, 50 − nodes/125)} percent)
 * @param minFeasibleNodesToFind   never stop searching with fewer feasible nodes than this (kube: 100)
 * @param cardAllocation           card-level policy for sharing pods
 * @param gangStarvationSeconds    a gang queued this long blocks later GPU work until it is placed (0 = never)
 * @param maxPreemptionNodes       nodes a PostFilter may try when looking for victims
 * @param queueSort                the queue sort plugin
 * @param preFilter                PreFilter plugins, in order
 * @param filter                   Filter plugins, in order (cheapest first pays off)
 * @param score                    Score plugins with weights
 * @param reserve                  Reserve plugins
 * @param permit                   Permit plugins
 * @param postFilter               PostFilter plugins
 * @param bind                     Bind plugins (first that does not skip binds)
 * @param pluginConfig             plugin name to its arguments
 */
public record Profile(String name, int percentageOfNodesToScore, int minFeasibleNodesToFind, CardPolicy cardAllocation,
                      long gangStarvationSeconds, int maxPreemptionNodes, String queueSort, List<String> preFilter,
                      List<String> filter, List<WeightedPlugin> score, List<String> reserve, List<String> permit,
                      List<String> postFilter, List<String> bind, Map<String, Map<String, Object>> pluginConfig) {

    /** A score plugin and its weight (1..100). */
    public record WeightedPlugin(String name, int weight) {
        public WeightedPlugin {
            Objects.requireNonNull(name, "name");
            if (weight < 1 || weight > 100) throw new IllegalArgumentException("weight of " + name + " must be 1..100, was " + weight);
        }
    }

    public Profile {
        Objects.requireNonNull(name, "name");
        if (percentageOfNodesToScore < 0 || percentageOfNodesToScore > 100) {
            throw new IllegalArgumentException("profile " + name + ": percentageOfNodesToScore must be 0..100, was " + percentageOfNodesToScore);
        }
        if (minFeasibleNodesToFind < 1) throw new IllegalArgumentException("profile " + name + ": minFeasibleNodesToFind must be >= 1");
        if (gangStarvationSeconds < 0) throw new IllegalArgumentException("profile " + name + ": gangStarvationSeconds must be >= 0");
        if (maxPreemptionNodes < 1) throw new IllegalArgumentException("profile " + name + ": maxPreemptionNodes must be >= 1");
        Objects.requireNonNull(cardAllocation, "cardAllocation");
        Objects.requireNonNull(queueSort, "queueSort");
        preFilter = List.copyOf(preFilter);
        filter = List.copyOf(filter);
        score = List.copyOf(score);
        reserve = List.copyOf(reserve);
        permit = List.copyOf(permit);
        postFilter = List.copyOf(postFilter);
        bind = List.copyOf(bind);
        if (bind.isEmpty()) throw new IllegalArgumentException("profile " + name + ": plugins.bind must name at least one plugin");
        pluginConfig = pluginConfig == null ? Map.of() : Map.copyOf(pluginConfig);
    }

    /** Arguments of a plugin (empty when none given). */
    public Map<String, Object> args(String plugin) {
        return pluginConfig.getOrDefault(plugin, Map.of());
    }

    /** Every plugin name the profile uses. */
    public List<String> allPlugins() {
        List<String> all = new ArrayList<>();
        all.add(queueSort);
        all.addAll(preFilter);
        all.addAll(filter);
        score.forEach(w -> all.add(w.name()));
        all.addAll(reserve);
        all.addAll(permit);
        all.addAll(postFilter);
        all.addAll(bind);
        return all.stream().distinct().toList();
    }

    /** The built-in default profile ({@code default-profile.yaml} next to this class's package). */
    public static Profile defaultProfile() {
        Profile p = fromResource("/io/gpufleet/scheduler/default-profile.yaml");
        if (p == null) throw new IllegalStateException("default-profile.yaml is missing from the classpath");
        return p;
    }

    /** A profile shipped on the classpath at {@code path}, or {@code null} when there is none. */
    public static Profile fromResource(String path) {
        try (InputStream in = Profile.class.getResourceAsStream(path)) {
            return in == null ? null : fromYaml(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A profile file; errors name the file. */
    public static Profile fromFile(Path file) {
        if (!Files.isReadable(file)) throw new IllegalArgumentException(file + " is not a readable file");
        try {
            return fromYaml(Files.readString(file));
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    private static final Set<String> TOP = Set.of("profileName", "percentageOfNodesToScore", "minFeasibleNodesToFind",
            "cardAllocation", "gangStarvationSeconds", "maxPreemptionNodes", "plugins", "pluginConfig");
    private static final Set<String> POINTS = Set.of("queueSort", "preFilter", "filter", "score", "reserve", "permit",
            "postFilter", "bind");

    /** Parses a profile; {@link IllegalArgumentException} names the offending path. */
    public static Profile fromYaml(String yaml) {
        Object root;
        try {
            root = new Load(LoadSettings.builder().setLabel("profile").build()).loadFromString(yaml);
        } catch (YamlEngineException e) {
            throw new IllegalArgumentException("profile: not valid YAML: " + e.getMessage(), e);
        }
        Map<String, Object> m = map(root, "profile");
        for (String k : m.keySet()) if (!TOP.contains(k)) throw new IllegalArgumentException("profile: unknown key '" + k + "' (known: " + TOP + ")");
        String name = str(m.getOrDefault("profileName", "default"), "profileName");
        int pct = integer(m.getOrDefault("percentageOfNodesToScore", 0), "percentageOfNodesToScore");
        int minFeasible = integer(m.getOrDefault("minFeasibleNodesToFind", 100), "minFeasibleNodesToFind");
        String card = str(m.getOrDefault("cardAllocation", "binpack"), "cardAllocation");
        CardPolicy policy;
        try {
            policy = CardPolicy.valueOf(card.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("profile: cardAllocation must be binpack or spread, was '" + card + "'");
        }
        long starvation = integer(m.getOrDefault("gangStarvationSeconds", 300), "gangStarvationSeconds");
        int maxPreempt = integer(m.getOrDefault("maxPreemptionNodes", 200), "maxPreemptionNodes");
        Map<String, Object> plugins = map(m.getOrDefault("plugins", Map.of()), "plugins");
        for (String k : plugins.keySet()) if (!POINTS.contains(k)) throw new IllegalArgumentException("profile: unknown extension point 'plugins." + k + "' (known: " + POINTS + ")");
        String queueSort = str(plugins.getOrDefault("queueSort", "prioritysort"), "plugins.queueSort");
        List<WeightedPlugin> score = new ArrayList<>();
        List<Object> scoreList = list(plugins.getOrDefault("score", List.of()), "plugins.score");
        for (int i = 0; i < scoreList.size(); i++) {
            Object o = scoreList.get(i);
            String at = "plugins.score[" + i + "]";
            if (o instanceof String s) {
                score.add(new WeightedPlugin(s, 1));
            } else {
                Map<String, Object> e = map(o, at);
                for (String k : e.keySet()) if (!k.equals("name") && !k.equals("weight")) throw new IllegalArgumentException("profile: unknown key '" + k + "' in " + at);
                int w = integer(e.getOrDefault("weight", 1), at + ".weight");
                if (w < 1 || w > 100) throw new IllegalArgumentException("profile: " + at + ".weight must be 1..100, was " + w);
                score.add(new WeightedPlugin(str(e.get("name"), at + ".name"), w));
            }
        }
        Map<String, Map<String, Object>> config = new LinkedHashMap<>();
        Map<String, Object> pc = map(m.getOrDefault("pluginConfig", Map.of()), "pluginConfig");
        for (Map.Entry<String, Object> e : pc.entrySet()) config.put(e.getKey(), map(e.getValue(), "pluginConfig." + e.getKey()));
        return new Profile(name, pct, minFeasible, policy, starvation, maxPreempt, queueSort,
                names(plugins, "preFilter"), names(plugins, "filter"), score, names(plugins, "reserve"),
                names(plugins, "permit"), names(plugins, "postFilter"), names(plugins, "bind"), config);
    }

    private static List<String> names(Map<String, Object> plugins, String point) {
        List<Object> l = list(plugins.getOrDefault(point, List.of()), "plugins." + point);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < l.size(); i++) {
            String n = str(l.get(i), "plugins." + point + "[" + i + "]");
            if (out.contains(n)) throw new IllegalArgumentException("profile: plugins." + point + " names " + n + " twice");
            out.add(n);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o, String at) {
        if (o == null) return Map.of();
        if (!(o instanceof Map<?, ?> mm)) throw new IllegalArgumentException("profile: " + at + " must be a mapping");
        for (Object k : mm.keySet()) if (!(k instanceof String)) throw new IllegalArgumentException("profile: " + at + " has a non-string key " + k);
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o, String at) {
        if (o == null) return List.of();
        if (!(o instanceof List<?>)) throw new IllegalArgumentException("profile: " + at + " must be a list");
        return (List<Object>) o;
    }

    private static String str(Object o, String at) {
        if (!(o instanceof String s) || s.isBlank()) throw new IllegalArgumentException("profile: " + at + " must be a non-empty string");
        return s;
    }

    private static int integer(Object o, String at) {
        if (!(o instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
            throw new IllegalArgumentException("profile: " + at + " must be an integer, was " + o);
        }
        long v = n.longValue();
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) throw new IllegalArgumentException("profile: " + at + " is out of range: " + o);
        return (int) v;
    }

    /** Reads a number argument of a plugin; {@link IllegalArgumentException} names {@code pluginConfig.<plugin>.<key>}. */
    public static double number(Map<String, Object> args, String plugin, String key, double dflt, double min, double max) {
        Object o = args.get(key);
        if (o == null) return dflt;
        if (!(o instanceof Number n)) throw new IllegalArgumentException("profile: pluginConfig." + plugin + "." + key + " must be a number, was " + o);
        double v = n.doubleValue();
        if (v < min || v > max) throw new IllegalArgumentException("profile: pluginConfig." + plugin + "." + key + " must be within " + min + ".." + max + ", was " + v);
        return v;
    }

    /** Fails on argument keys the plugin does not know. */
    public static void knownKeys(Map<String, Object> args, String plugin, Set<String> keys) {
        for (String k : args.keySet()) {
            if (!keys.contains(k)) throw new IllegalArgumentException("profile: pluginConfig." + plugin + "." + k + " is unknown (known: " + keys + ")");
        }
    }
}
