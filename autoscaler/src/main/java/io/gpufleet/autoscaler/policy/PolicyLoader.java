package io.gpufleet.autoscaler.policy;

import io.gpufleet.autoscaler.policy.ScalingPolicy.Behavior;
import io.gpufleet.autoscaler.policy.ScalingPolicy.MetricSource;
import io.gpufleet.autoscaler.policy.ScalingPolicy.MetricSpec;
import io.gpufleet.autoscaler.policy.ScalingPolicy.Rule;
import io.gpufleet.autoscaler.policy.ScalingPolicy.RuleType;
import io.gpufleet.autoscaler.policy.ScalingPolicy.Predictive;
import io.gpufleet.autoscaler.policy.ScalingPolicy.ScaleToZero;
import io.gpufleet.autoscaler.policy.ScalingPolicy.ScalingRules;
import io.gpufleet.autoscaler.policy.ScalingPolicy.Schedule;
import io.gpufleet.autoscaler.policy.ScalingPolicy.SelectPolicy;
import io.gpufleet.autoscaler.policy.ScalingPolicy.Spot;
import io.gpufleet.autoscaler.policy.ScalingPolicy.SpotPreference;
import io.gpufleet.autoscaler.policy.ScalingPolicy.TargetKind;
import io.gpufleet.autoscaler.policy.ScalingPolicy.TargetRef;
import io.gpufleet.autoscaler.policy.ScalingPolicy.TargetType;
import io.gpufleet.autoscaler.schedule.CronExpression;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code ScalingPolicy} documents (several per file, separated by {@code ---}) and validates every
 * field, collecting all errors with file, field path and reason. Unknown fields are errors (strict, as
 * {@code kubectl apply --validate=strict}), so a typo never silently falls back to a default.
 *
 * <p>Defaults follow HPA autoscaling/v2: when {@code behavior.scaleUp}/{@code scaleDown} or one of their
 * fields is absent, HPA's default applies; tolerance defaults to 0.1.
 */
public final class PolicyLoader {
    private static final Pattern DURATION = Pattern.compile("(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?");
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");
    /** HPA's upper limits for stabilization windows and policy periods. */
    static final int MAX_STABILIZATION_S = 3600;
    static final int MAX_PERIOD_S = 1800;

    private PolicyLoader() {
    }

    /** Loads one file. I/O and YAML syntax problems come back as errors too. */
    public static PolicyLoadResult load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return new PolicyLoadResult(List.of(), List.of(new PolicyError(file.toString(), "", "cannot read: " + e.getMessage())));
        }
        return load(file.toString(), text);
    }

    /** Loads every {@code *.yaml}/{@code *.yml} file in a directory; any error anywhere yields no policy. */
    public static PolicyLoadResult loadDirectory(Path dir) {
        List<ScalingPolicy> policies = new ArrayList<>();
        List<PolicyError> errors = new ArrayList<>();
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList()) {
                PolicyLoadResult r = load(f);
                policies.addAll(r.policies());
                errors.addAll(r.errors());
            }
        } catch (IOException e) {
            errors.add(new PolicyError(dir.toString(), "", "cannot list: " + e.getMessage()));
        }
        Set<String> seen = new HashSet<>();
        for (ScalingPolicy p : policies) {
            if (!seen.add(p.namespace() + "/" + p.name())) {
                errors.add(new PolicyError(dir.toString(), "metadata.name", "duplicate policy " + p.namespace() + "/" + p.name()));
            }
        }
        return errors.isEmpty() ? new PolicyLoadResult(policies, List.of()) : new PolicyLoadResult(List.of(), errors);
    }

    /** Loads YAML text; {@code file} only labels errors. */
    public static PolicyLoadResult load(String file, String yaml) {
        List<PolicyError> errors = new ArrayList<>();
        List<ScalingPolicy> policies = new ArrayList<>();
        List<Object> docs = new ArrayList<>();
        try {
            for (Object doc : new Load(LoadSettings.builder().setLabel(file).build()).loadAllFromString(yaml)) {
                if (doc != null) {
                    docs.add(doc);
                }
            }
        } catch (YamlEngineException e) {
            return new PolicyLoadResult(List.of(), List.of(new PolicyError(file, "", "invalid YAML: " + e.getMessage().replace('\n', ' '))));
        }
        if (docs.isEmpty()) {
            errors.add(new PolicyError(file, "", "no ScalingPolicy document"));
        }
        for (int i = 0; i < docs.size(); i++) {
            String prefix = docs.size() > 1 ? "[" + i + "]." : "";
            Reader r = new Reader(file, prefix, errors);
            ScalingPolicy p = r.policy(docs.get(i));
            if (p != null) {
                policies.add(p);
            }
        }
        return errors.isEmpty() ? new PolicyLoadResult(policies, List.of()) : new PolicyLoadResult(List.of(), errors);
    }

    /** Parses "90s", "10m", "2h30m" or ISO-8601 "PT2H"; returns -1 when unreadable. */
    static long parseDurationSeconds(String s) {
        String t = s.trim();
        if (t.isEmpty()) {
            return -1;
        }
        if (t.toUpperCase(Locale.ROOT).startsWith("P")) {
            try {
                return Duration.parse(t).getSeconds();
            } catch (DateTimeException e) {
                return -1;
            }
        }
        Matcher m = DURATION.matcher(t);
        if (!m.matches()) {
            return -1;
        }
        long total = 0;
        if (m.group(1) != null) total += Long.parseLong(m.group(1)) * 3600;
        if (m.group(2) != null) total += Long.parseLong(m.group(2)) * 60;
        if (m.group(3) != null) total += Long.parseLong(m.group(3));
        return total;
    }

    /** Walks one document, recording errors instead of throwing, so every error is reported at once. */
    private static final class Reader {
        private final String file;
        private final String prefix;
        private final List<PolicyError> errors;
        private final int errorsAtStart;

        Reader(String file, String prefix, List<PolicyError> errors) {
            this.file = file;
            this.prefix = prefix;
            this.errors = errors;
            this.errorsAtStart = errors.size();
        }

        void error(String path, String reason) {
            errors.add(new PolicyError(file, prefix + path, reason));
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> map(Object o, String path) {
            if (o instanceof Map<?, ?> m) {
                for (Object k : m.keySet()) {
                    if (!(k instanceof String)) {
                        error(path, "key " + k + " is not a string");
                    }
                }
                return (Map<String, Object>) m;
            }
            error(path, "must be a mapping, got " + describe(o));
            return null;
        }

        void allowOnly(Map<String, Object> m, String path, String... keys) {
            Set<String> allowed = Set.of(keys);
            for (String k : m.keySet()) {
                if (!allowed.contains(k)) {
                    error(join(path, k), "unknown field (allowed: " + String.join(", ", keys) + ")");
                }
            }
        }

        static String join(String path, String key) {
            return path.isEmpty() ? key : path + "." + key;
        }

        static String describe(Object o) {
            return o == null ? "nothing" : o instanceof Map ? "a mapping" : o instanceof List ? "a list" : "'" + o + "'";
        }

        String string(Map<String, Object> m, String path, String key, boolean required) {
            Object v = m.get(key);
            if (v == null) {
                if (required) error(join(path, key), "is required");
                return null;
            }
            if (v instanceof String s) {
                if (s.isBlank()) {
                    error(join(path, key), "must not be empty");
                    return null;
                }
                return s;
            }
            error(join(path, key), "must be a string, got " + describe(v));
            return null;
        }

        Integer integer(Map<String, Object> m, String path, String key, Integer dflt, long lo, long hi) {
            Object v = m.get(key);
            if (v == null) {
                return dflt;
            }
            if (v instanceof Integer || v instanceof Long || v instanceof java.math.BigInteger) {
                long n = ((Number) v).longValue();
                if (n < lo || n > hi) {
                    error(join(path, key), "must be between " + lo + " and " + hi + ", got " + v);
                    return null;
                }
                return (int) n;
            }
            error(join(path, key), "must be an integer, got " + describe(v));
            return null;
        }

        Double number(Map<String, Object> m, String path, String key, Double dflt, double lo, double hi, boolean loExclusive) {
            Object v = m.get(key);
            if (v == null) {
                return dflt;
            }
            double d;
            if (v instanceof Number n) {
                d = n.doubleValue();
            } else if (v instanceof String s) {
                d = parseQuantity(s);
                if (Double.isNaN(d)) {
                    error(join(path, key), "must be a number or quantity (e.g. 500m, 2, 1Gi), got '" + s + "'");
                    return null;
                }
            } else {
                error(join(path, key), "must be a number, got " + describe(v));
                return null;
            }
            if (Double.isNaN(d) || (loExclusive ? d <= lo : d < lo) || d > hi) {
                error(join(path, key), "must be " + (loExclusive ? "> " : ">= ") + lo + (hi < Double.MAX_VALUE ? " and <= " + hi : "") + ", got " + v);
                return null;
            }
            return d;
        }

        Boolean bool(Map<String, Object> m, String path, String key, boolean dflt) {
            Object v = m.get(key);
            if (v == null) return dflt;
            if (v instanceof Boolean b) return b;
            error(join(path, key), "must be true or false, got " + describe(v));
            return null;
        }

        <E extends Enum<E>> E enumValue(Map<String, Object> m, String path, String key, Class<E> type, E dflt) {
            Object v = m.get(key);
            if (v == null) {
                if (dflt == null) error(join(path, key), "is required");
                return dflt;
            }
            for (E e : type.getEnumConstants()) {
                if (e.name().equals(String.valueOf(v))) {
                    return e;
                }
            }
            List<String> names = new ArrayList<>();
            for (E e : type.getEnumConstants()) names.add(e.name());
            error(join(path, key), "must be one of " + names + ", got " + describe(v));
            return null;
        }

        List<Object> list(Map<String, Object> m, String path, String key) {
            Object v = m.get(key);
            if (v == null) return List.of();
            if (v instanceof List<?> l) {
                return new ArrayList<>(l);
            }
            error(join(path, key), "must be a list, got " + describe(v));
            return List.of();
        }

        ScalingPolicy policy(Object doc) {
            Map<String, Object> root = map(doc, "");
            if (root == null) return null;
            allowOnly(root, "", "apiVersion", "kind", "metadata", "spec");
            String api = string(root, "", "apiVersion", true);
            if (api != null && !api.equals(ScalingPolicy.API_VERSION)) {
                error("apiVersion", "must be " + ScalingPolicy.API_VERSION + ", got '" + api + "'");
            }
            String kind = string(root, "", "kind", true);
            if (kind != null && !kind.equals(ScalingPolicy.KIND)) {
                error("kind", "must be " + ScalingPolicy.KIND + ", got '" + kind + "'");
            }
            String name = null;
            String namespace = "default";
            if (root.get("metadata") == null) {
                error("metadata", "is required");
            } else {
                Map<String, Object> md = map(root.get("metadata"), "metadata");
                if (md != null) {
                    allowOnly(md, "metadata", "name", "namespace", "labels", "annotations");
                    name = string(md, "metadata", "name", true);
                    if (name != null && (name.length() > 253 || !DNS_LABEL.matcher(name).matches())) {
                        error("metadata.name", "must be a DNS subdomain name (lowercase letters, digits, '-', '.'), got '" + name + "'");
                    }
                    String ns = string(md, "metadata", "namespace", false);
                    if (ns != null) namespace = ns;
                }
            }
            if (root.get("spec") == null) {
                error("spec", "is required");
                return null;
            }
            Map<String, Object> spec = map(root.get("spec"), "spec");
            if (spec == null) return null;
            allowOnly(spec, "spec", "targetRef", "minReplicas", "maxReplicas", "metrics", "behavior", "schedules",
                    "scaleToZero", "spot", "coldStartSeconds", "predictive");
            TargetRef target = targetRef(spec);
            Integer min = integer(spec, "spec", "minReplicas", 1, 0, 1_000_000);
            Integer max = integer(spec, "spec", "maxReplicas", null, 1, 1_000_000);
            if (spec.get("maxReplicas") == null) error("spec.maxReplicas", "is required");
            if (min != null && max != null && min > max) {
                error("spec.minReplicas", "must not exceed maxReplicas (" + max + "), got " + min);
            }
            List<MetricSpec> metrics = metrics(spec);
            Behavior behavior = behavior(spec);
            Optional<ScaleToZero> s2z = scaleToZero(spec);
            if (min != null && min == 0 && s2z.isEmpty() && spec.get("scaleToZero") == null) {
                error("spec.minReplicas", "0 needs spec.scaleToZero (activation threshold and idle period), else nothing wakes the target");
            }
            if (s2z.isPresent() && min != null && min > 0) {
                error("spec.scaleToZero", "needs minReplicas 0, got minReplicas " + min);
            }
            List<Schedule> schedules = schedules(spec, max);
            Spot spot = spot(spec);
            Integer cold = integer(spec, "spec", "coldStartSeconds", 120, 0, 86_400);
            Optional<Predictive> predictive = predictive(spec);
            if (errors.size() > errorsAtStart) {
                return null;
            }
            return new ScalingPolicy(name, namespace, target, min, max, metrics, behavior, schedules, s2z, spot, cold, predictive);
        }

        TargetRef targetRef(Map<String, Object> spec) {
            String p = "spec.targetRef";
            if (spec.get("targetRef") == null) {
                error(p, "is required");
                return null;
            }
            Map<String, Object> m = map(spec.get("targetRef"), p);
            if (m == null) return null;
            allowOnly(m, p, "apiVersion", "kind", "name");
            TargetKind kind = enumValue(m, p, "kind", TargetKind.class, null);
            String name = string(m, p, "name", true);
            String api = string(m, p, "apiVersion", false);
            if (kind != null && api == null) {
                api = switch (kind) {
                    case Deployment, StatefulSet -> "apps/v1";
                    case PyTorchJob -> "kubeflow.org/v1";
                    case TrainingJob -> "training.gpufleet.io/v1";
                };
            }
            return kind == null || name == null ? null : new TargetRef(api, kind, name);
        }

        List<MetricSpec> metrics(Map<String, Object> spec) {
            List<Object> raw = list(spec, "spec", "metrics");
            List<MetricSpec> out = new ArrayList<>();
            if (raw.isEmpty() && spec.get("metrics") == null) {
                error("spec.metrics", "is required (at least one metric)");
            } else if (raw.isEmpty() && spec.get("metrics") instanceof List) {
                error("spec.metrics", "must list at least one metric");
            }
            for (int i = 0; i < raw.size(); i++) {
                String p = "spec.metrics[" + i + "]";
                Map<String, Object> m = map(raw.get(i), p);
                if (m == null) continue;
                allowOnly(m, p, "type", "signal", "prometheus", "target");
                MetricSource source = enumValue(m, p, "type", MetricSource.class, null);
                String name = source == null ? null : source.name();
                if (source == MetricSource.Signal || source == MetricSource.Prometheus) {
                    String key = source == MetricSource.Signal ? "signal" : "prometheus";
                    String field = source == MetricSource.Signal ? "name" : "query";
                    if (m.get(key) == null) {
                        error(join(p, key), "is required for type " + source);
                        name = null;
                    } else {
                        Map<String, Object> s = map(m.get(key), join(p, key));
                        if (s != null) {
                            allowOnly(s, join(p, key), field);
                            name = string(s, join(p, key), field, true);
                        }
                    }
                } else if (source != null) {
                    for (String k : List.of("signal", "prometheus")) {
                        if (m.containsKey(k)) error(join(p, k), "only allowed for type " + (k.equals("signal") ? "Signal" : "Prometheus"));
                    }
                }
                String tp = p + ".target";
                if (m.get("target") == null) {
                    error(tp, "is required");
                    continue;
                }
                Map<String, Object> t = map(m.get("target"), tp);
                if (t == null) continue;
                allowOnly(t, tp, "type", "averageUtilization", "averageValue", "value");
                TargetType type = enumValue(t, tp, "type", TargetType.class, null);
                if (type == null) continue;
                if (type == TargetType.Utilization && source != null
                        && source != MetricSource.GpuUtilization && source != MetricSource.GpuMemory) {
                    error(tp + ".type", "Utilization applies to GpuUtilization and GpuMemory only, got " + source);
                }
                String valueKey = switch (type) {
                    case Utilization -> "averageUtilization";
                    case AverageValue -> "averageValue";
                    case Value -> "value";
                };
                for (String k : List.of("averageUtilization", "averageValue", "value")) {
                    if (!k.equals(valueKey) && t.containsKey(k)) {
                        error(join(tp, k), "not used with target type " + type + " (use " + valueKey + ")");
                    }
                }
                if (t.get(valueKey) == null) {
                    error(join(tp, valueKey), "is required for target type " + type);
                    continue;
                }
                Double v = type == TargetType.Utilization
                        ? number(t, tp, valueKey, null, 0, 100, true)
                        : number(t, tp, valueKey, null, 0, Double.MAX_VALUE, true);
                if (source != null && name != null && v != null) {
                    out.add(new MetricSpec(source, name, type, v));
                }
            }
            return out;
        }

        Behavior behavior(Map<String, Object> spec) {
            if (spec.get("behavior") == null) return Behavior.defaults();
            Map<String, Object> b = map(spec.get("behavior"), "spec.behavior");
            if (b == null) return null;
            allowOnly(b, "spec.behavior", "scaleUp", "scaleDown");
            ScalingRules up = rules(b, "scaleUp", Behavior.defaultScaleUp());
            ScalingRules down = rules(b, "scaleDown", Behavior.defaultScaleDown());
            return up == null || down == null ? null : new Behavior(up, down);
        }

        ScalingRules rules(Map<String, Object> b, String key, ScalingRules dflt) {
            if (b.get(key) == null) return dflt;
            String p = "spec.behavior." + key;
            Map<String, Object> m = map(b.get(key), p);
            if (m == null) return null;
            allowOnly(m, p, "stabilizationWindowSeconds", "selectPolicy", "policies", "tolerance");
            Integer window = integer(m, p, "stabilizationWindowSeconds", dflt.stabilizationWindowSeconds(), 0, MAX_STABILIZATION_S);
            SelectPolicy select = enumValue(m, p, "selectPolicy", SelectPolicy.class, SelectPolicy.Max);
            Double tolerance = number(m, p, "tolerance", dflt.tolerance(), 0, 1, false);
            List<Rule> rules = new ArrayList<>();
            if (m.get("policies") == null) {
                rules.addAll(dflt.policies());
            } else {
                List<Object> raw = list(m, p, "policies");
                if (raw.isEmpty() && select != SelectPolicy.Disabled) {
                    error(p + ".policies", "must list at least one policy unless selectPolicy is Disabled");
                }
                for (int i = 0; i < raw.size(); i++) {
                    String rp = p + ".policies[" + i + "]";
                    Map<String, Object> r = map(raw.get(i), rp);
                    if (r == null) continue;
                    allowOnly(r, rp, "type", "value", "periodSeconds");
                    RuleType type = enumValue(r, rp, "type", RuleType.class, null);
                    Integer value = integer(r, rp, "value", null, 1, Integer.MAX_VALUE);
                    if (r.get("value") == null) error(rp + ".value", "is required");
                    Integer period = integer(r, rp, "periodSeconds", null, 1, MAX_PERIOD_S);
                    if (r.get("periodSeconds") == null) error(rp + ".periodSeconds", "is required");
                    if (type != null && value != null && period != null) {
                        rules.add(new Rule(type, value, period));
                    }
                }
            }
            if (window == null || select == null || tolerance == null) return null;
            return new ScalingRules(window, select, rules, tolerance);
        }

        Optional<Predictive> predictive(Map<String, Object> spec) {
            if (spec.get("predictive") == null) return Optional.empty();
            String p = "spec.predictive";
            Map<String, Object> m = map(spec.get("predictive"), p);
            if (m == null) return Optional.empty();
            allowOnly(m, p, "enabled", "historyDays", "minHistoryDays", "headroom", "timeZone");
            Boolean enabled = bool(m, p, "enabled", true);
            Integer days = integer(m, p, "historyDays", 7, 1, 28);
            Integer minDays = integer(m, p, "minHistoryDays", 2, 1, 28);
            Double headroom = number(m, p, "headroom", 1.1, 0, 10, true);
            String zone = string(m, p, "timeZone", false);
            if (zone == null) zone = "UTC";
            try {
                java.time.ZoneId.of(zone);
            } catch (java.time.DateTimeException e) {
                error(p + ".timeZone", "is not a time zone ID (e.g. Europe/Berlin), got '" + zone + "'");
                return Optional.empty();
            }
            if (days != null && minDays != null && minDays > days) {
                error(p + ".minHistoryDays", "must not exceed historyDays (" + days + "), got " + minDays);
                return Optional.empty();
            }
            if (enabled == null || !enabled || days == null || minDays == null || headroom == null) return Optional.empty();
            return Optional.of(new Predictive(days, minDays, headroom, zone));
        }

        Optional<ScaleToZero> scaleToZero(Map<String, Object> spec) {
            if (spec.get("scaleToZero") == null) return Optional.empty();
            String p = "spec.scaleToZero";
            Map<String, Object> m = map(spec.get("scaleToZero"), p);
            if (m == null) return Optional.empty();
            allowOnly(m, p, "enabled", "activationThreshold", "idlePeriodSeconds");
            Boolean enabled = bool(m, p, "enabled", true);
            Double threshold = number(m, p, "activationThreshold", 0.0, 0, Double.MAX_VALUE, false);
            Integer idle = integer(m, p, "idlePeriodSeconds", 300, 1, 7 * 86_400);
            if (enabled == null || !enabled || threshold == null || idle == null) return Optional.empty();
            return Optional.of(new ScaleToZero(threshold, idle));
        }

        List<Schedule> schedules(Map<String, Object> spec, Integer policyMax) {
            List<Object> raw = list(spec, "spec", "schedules");
            List<Schedule> out = new ArrayList<>();
            Set<String> names = new HashSet<>();
            for (int i = 0; i < raw.size(); i++) {
                String p = "spec.schedules[" + i + "]";
                Map<String, Object> m = map(raw.get(i), p);
                if (m == null) continue;
                allowOnly(m, p, "name", "cron", "timeZone", "duration", "minReplicas", "maxReplicas");
                String name = string(m, p, "name", true);
                if (name != null && !names.add(name)) error(p + ".name", "duplicate schedule name '" + name + "'");
                String cron = string(m, p, "cron", true);
                if (cron != null) {
                    try {
                        CronExpression.parse(cron);
                    } catch (IllegalArgumentException e) {
                        error(p + ".cron", e.getMessage());
                        cron = null;
                    }
                }
                String zone = string(m, p, "timeZone", false);
                if (zone == null && m.get("timeZone") == null) zone = "UTC";
                if (zone != null) {
                    try {
                        ZoneId.of(zone);
                    } catch (DateTimeException e) {
                        error(p + ".timeZone", "unknown time zone '" + zone + "' (use an IANA name such as Europe/Paris)");
                        zone = null;
                    }
                }
                long duration = -1;
                Object d = m.get("duration");
                if (d == null) {
                    error(p + ".duration", "is required (e.g. 2h, 90m, PT2H)");
                } else {
                    duration = d instanceof Number n ? n.longValue() : parseDurationSeconds(String.valueOf(d));
                    if (duration <= 0) {
                        error(p + ".duration", "must be a positive duration (e.g. 2h, 90m, 3600, PT2H), got '" + d + "'");
                    }
                }
                Integer min = integer(m, p, "minReplicas", null, 0, 1_000_000);
                Integer max = integer(m, p, "maxReplicas", null, 1, 1_000_000);
                if (!m.containsKey("minReplicas") && !m.containsKey("maxReplicas")) {
                    error(p, "must set minReplicas and/or maxReplicas");
                }
                if (min != null && max != null && min > max) {
                    error(p + ".minReplicas", "must not exceed the window's maxReplicas (" + max + "), got " + min);
                } else if (min != null && max == null && policyMax != null && min > policyMax) {
                    error(p + ".minReplicas", "must not exceed spec.maxReplicas (" + policyMax + ") unless the window sets maxReplicas, got " + min);
                }
                if (name != null && cron != null && zone != null && duration > 0) {
                    out.add(new Schedule(name, cron, zone, duration, Optional.ofNullable(min), Optional.ofNullable(max)));
                }
            }
            return out;
        }

        Spot spot(Map<String, Object> spec) {
            if (spec.get("spot") == null) return Spot.none();
            String p = "spec.spot";
            Map<String, Object> m = map(spec.get("spot"), p);
            if (m == null) return null;
            allowOnly(m, p, "preference", "fallbackToOnDemand", "preemptionNoticeSeconds");
            SpotPreference pref = enumValue(m, p, "preference", SpotPreference.class, SpotPreference.Prefer);
            Boolean fallback = bool(m, p, "fallbackToOnDemand", true);
            Integer notice = integer(m, p, "preemptionNoticeSeconds", 30, 0, 3600);
            if (pref == SpotPreference.Require && Boolean.TRUE.equals(fallback) && m.containsKey("fallbackToOnDemand")) {
                error(p + ".fallbackToOnDemand", "contradicts preference Require (spot only)");
            }
            if (pref == null || fallback == null || notice == null) return null;
            return new Spot(pref, pref != SpotPreference.Require && fallback, notice);
        }
    }

    /** Kubernetes quantity ("500m", "2", "1.5k", "1Gi") to a double; NaN when unreadable. */
    static double parseQuantity(String s) {
        String t = s.trim();
        String[][] suffixes = {{"Ki", "1024"}, {"Mi", "1048576"}, {"Gi", "1073741824"}, {"Ti", "1099511627776"},
                {"m", "0.001"}, {"k", "1000"}, {"M", "1000000"}, {"G", "1000000000"}, {"T", "1000000000000"}};
        double mult = 1;
        for (String[] sx : suffixes) {
            if (t.endsWith(sx[0])) {
                mult = Double.parseDouble(sx[1]);
                t = t.substring(0, t.length() - sx[0].length());
                break;
            }
        }
        try {
            return Double.parseDouble(t) * mult;
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }
}
