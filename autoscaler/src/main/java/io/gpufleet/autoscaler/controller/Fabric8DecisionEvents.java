package io.gpufleet.autoscaler.controller;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.gpufleet.autoscaler.policy.ScalingPolicy;

import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * core/v1 Events on the target, with the source component {@value #COMPONENT}: {@code kubectl describe
 * deployment llm} then shows the autoscaler's decisions next to the Deployment's own events, as it does HPA's.
 */
public final class Fabric8DecisionEvents implements DecisionEvents {
    public static final String COMPONENT = "gpufleet-autoscaler";
    private static final int MAX_MESSAGE = 1024;
    private final KubernetesClient client;
    private final Clock clock;
    private final AtomicLong seq = new AtomicLong();

    public Fabric8DecisionEvents(KubernetesClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
    }

    @Override
    public void record(ScalingPolicy policy, boolean warning, String reason, String message) {
        String now = DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
        // Unique per event, like client-go's recorder (target name + a hex suffix).
        String name = policy.target().name() + "." + Long.toHexString(clock.millis()) + Long.toHexString(seq.incrementAndGet());
        Event e = new EventBuilder()
                .withNewMetadata().withName(name).withNamespace(policy.namespace()).endMetadata()
                .withNewInvolvedObject().withApiVersion(policy.target().apiVersion()).withKind(policy.target().kind().name())
                .withName(policy.target().name()).withNamespace(policy.namespace()).endInvolvedObject()
                .withReason(reason)
                .withMessage(message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE - 3) + "..." : message)
                .withType(warning ? "Warning" : "Normal")
                .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                .withNewSource().withComponent(COMPONENT).endSource()
                .withReportingComponent(COMPONENT)
                .build();
        client.v1().events().inNamespace(policy.namespace()).resource(e).create();
    }
}
