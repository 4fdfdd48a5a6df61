package io.gpufleet.scheduler.api;

import java.util.Set;

/**
 * Who is calling: a user with the namespaces they may see and change, and whether they are an admin (admins see
 * every namespace and alone change quotas).
 */
public record Principal(String user, Set<String> namespaces, boolean admin) {
    public Principal {
        namespaces = namespaces == null ? Set.of() : Set.copyOf(namespaces);
    }

    /** Used when the server runs without a tokens file (development only). */
    public static final Principal OPEN = new Principal("anonymous", Set.of(), true);

    public boolean canSee(String namespace) {
        return admin || namespaces.contains(namespace);
    }
}
