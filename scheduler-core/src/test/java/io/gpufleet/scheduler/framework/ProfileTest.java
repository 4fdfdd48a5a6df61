package io.gpufleet.scheduler.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.scheduler.Fixtures;
import io.gpufleet.scheduler.Schedulers;
import io.gpufleet.scheduler.TestClock;
import io.gpufleet.scheduler.allocator.CardPolicy;
import io.gpufleet.scheduler.quota.QuotaTree;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProfileTest {

    private static final String MINIMAL = """
            profileName: small
            cardAllocation: spread
            plugins:
              preFilter: [constraints]
              filter: [noderesources, gpushare]
              score:
                - {name: spread, weight: 3}
                - datalocality
              bind: [defaultbinder]
            pluginConfig:
              spread: {gpu: 5, cpu: 0}
            """;

    private static void fails(String yaml, String mustMention) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> build(yaml));
        assertTrue(e.getMessage().contains(mustMention), () -> "'" + e.getMessage() + "' should mention " + mustMention);
    }

    private static Scheduler build(String yaml) {
        return Schedulers.create(Fixtures.state(Fixtures.pcie("a", 2)), QuotaTree.empty(), Profile.fromYaml(yaml), new TestClock());
    }

    @Test
    void defaultProfileLoadsAndBuilds() {
        Profile p = Profile.defaultProfile();
        assertEquals("default", p.name());
        assertEquals("elasticquota", p.queueSort());
        assertEquals(List.of("noderesources", "constraints", "health", "gpushare"), p.filter());
        assertEquals(CardPolicy.BINPACK, p.cardAllocation());
        assertTrue(p.score().stream().anyMatch(w -> w.name().equals("topology") && w.weight() == 2));
        build(new String(readDefault()));
    }

    private static byte[] readDefault() {
        try (var in = Profile.class.getResourceAsStream("/io/gpufleet/scheduler/default-profile.yaml")) {
            return in.readAllBytes();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void minimalProfile() {
        Profile p = Profile.fromYaml(MINIMAL);
        assertEquals(CardPolicy.SPREAD, p.cardAllocation());
        assertEquals(List.of(new Profile.WeightedPlugin("spread", 3), new Profile.WeightedPlugin("datalocality", 1)), p.score());
        assertEquals("prioritysort", p.queueSort());
        build(MINIMAL);
    }

    @Test
    void errorsNameThePath() {
        fails(MINIMAL.replace("weight: 3", "weight: 0"), "plugins.score[0].weight");
        fails(MINIMAL.replace("cardAllocation: spread", "cardAllocation: random"), "cardAllocation");
        fails(MINIMAL.replace("profileName: small", "profileName: small\nfoo: 1"), "unknown key 'foo'");
        fails(MINIMAL.replace("filter: [noderesources, gpushare]", "filter: [noderesources, nosuch]"), "'nosuch' is not registered");
        fails(MINIMAL.replace("filter: [noderesources, gpushare]", "filter: [noderesources, datalocality]"), "plugins.filter[1] 'datalocality' does not implement FilterPlugin");
        fails(MINIMAL.replace("spread: {gpu: 5, cpu: 0}", "spread: {gpu: 5, disk: 1}"), "pluginConfig.spread.disk");
        fails(MINIMAL.replace("spread: {gpu: 5, cpu: 0}", "spread: {gpu: -1}"), "pluginConfig.spread.gpu");
        fails(MINIMAL.replace("bind: [defaultbinder]", "bind: []"), "plugins.bind");
        fails(MINIMAL.replace("plugins:", "percentageOfNodesToScore: 150\nplugins:"), "percentageOfNodesToScore");
        fails(MINIMAL.replace("pluginConfig:", "pluginConfig:\n  topology: {}"), "pluginConfig.topology configures a plugin the profile does not use");
        fails(MINIMAL.replace("pluginConfig:", "pluginConfig:\n  datalocality: {x: 1}"), "pluginConfig.datalocality takes no arguments");
        fails("plugins: [a, b]", "plugins must be a mapping");
        fails("plugins: {filter: [a, a], bind: [defaultbinder]}", "names a twice");
        fails(": : :", "profile");
    }
}
