package io.gpufleet.scheduler.api;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Bearer tokens from a YAML file:
 *
 * <pre>
 * tokens:
 *   - token: s3cr3t-admin
 *     user: alice
 *     role: admin            # admin | user
 *   - token: s3cr3t-bob
 *     user: bob
 *     role: user
 *     namespaces: [team-a, team-b]
 * </pre>
 *
 * Every problem is reported with the entry's position and field name when the file is loaded.
 */
public final class TokenFile {
    private final Map<String, Principal> byToken;

    private TokenFile(Map<String, Principal> byToken) {
        this.byToken = Map.copyOf(byToken);
    }

    public static TokenFile load(Path file) {
        try {
            return parse(Files.readString(file), file.toString());
        } catch (IOException e) {
            throw new IllegalArgumentException("tokens file " + file + ": cannot read: " + e.getMessage(), e);
        }
    }

    public static TokenFile parse(String yaml, String source) {
        Object root;
        try {
            root = new Load(LoadSettings.builder().build()).loadFromString(yaml);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(source + ": not valid YAML: " + e.getMessage(), e);
        }
        if (!(root instanceof Map<?, ?> m) || !(m.get("tokens") instanceof List<?> list)) {
            throw new IllegalArgumentException(source + ": expected a list under 'tokens:'");
        }
        for (Object k : m.keySet()) if (!"tokens".equals(k)) throw new IllegalArgumentException(source + ": unknown key '" + k + "'");
        Map<String, Principal> out = new HashMap<>();
        for (int i = 0; i < list.size(); i++) {
            String at = source + ": tokens[" + i + "]";
            if (!(list.get(i) instanceof Map<?, ?> e)) throw new IllegalArgumentException(at + " is not a mapping");
            for (Object k : e.keySet()) {
                if (!Set.of("token", "user", "namespaces", "role").contains(k)) throw new IllegalArgumentException(at + ": unknown key '" + k + "'");
            }
            String token = str(e, "token", at);
            String user = str(e, "user", at);
            String role = e.get("role") == null ? "user" : str(e, "role", at);
            if (!role.equals("admin") && !role.equals("user")) throw new IllegalArgumentException(at + ".role: '" + role + "' is not admin or user");
            if (token.length() < 8) throw new IllegalArgumentException(at + ".token: shorter than 8 characters");
            Set<String> ns = new HashSet<>();
            Object nsv = e.get("namespaces");
            if (nsv instanceof List<?> l) {
                for (Object o : l) {
                    if (!(o instanceof String s) || s.isBlank()) throw new IllegalArgumentException(at + ".namespaces: entries must be names");
                    ns.add(s);
                }
            } else if (nsv != null) {
                throw new IllegalArgumentException(at + ".namespaces: expected a list");
            }
            if (role.equals("user") && ns.isEmpty()) throw new IllegalArgumentException(at + ".namespaces: a user needs at least one namespace");
            if (out.put(token, new Principal(user, ns, role.equals("admin"))) != null) {
                throw new IllegalArgumentException(at + ".token: the same token appears twice");
            }
        }
        return new TokenFile(out);
    }

    private static String str(Map<?, ?> e, String key, String at) {
        Object v = e.get(key);
        if (!(v instanceof String s) || s.isBlank()) throw new IllegalArgumentException(at + "." + key + ": required string");
        return s;
    }

    /** The principal of a token, or {@code null}. */
    public Principal lookup(String token) {
        return token == null ? null : byToken.get(token);
    }

    public int size() {
        return byToken.size();
    }
}
