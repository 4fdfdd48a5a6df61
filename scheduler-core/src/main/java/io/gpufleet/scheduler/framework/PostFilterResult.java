package io.gpufleet.scheduler.framework;

import java.util.List;

/**
 * A PostFilter answer: a node and the pods to evict so the pod fits there, or nothing.
 *
 * @param node    nominated node name, or {@code null}
 * @param victims pods to evict (already including every member of a victim gang)
 * @param stop    whether later PostFilter plugins should not run
 */
public record PostFilterResult(String node, List<String> victims, boolean stop) {
    public static final PostFilterResult NONE = new PostFilterResult(null, List.of(), false);
    public static final PostFilterResult STOP = new PostFilterResult(null, List.of(), true);

    public PostFilterResult {
        victims = victims == null ? List.of() : List.copyOf(victims);
    }

    public static PostFilterResult nominate(String node, List<String> victims) {
        return new PostFilterResult(node, victims, true);
    }
}
