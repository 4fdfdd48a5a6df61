package io.gpufleet.platform.observe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The test copy of alerts/*.yml that the end-to-end test loads: every {@code for:} replaced by a short one and
 * the XID alerts' 900 s window (written {@code < 900} in their expressions) by a short one, so an injected XID
 * notifies within seconds and resolves within the test. Everything else is the shipped rules verbatim.
 */
final class TestRules {
    private TestRules() {}

    private static final Pattern FOR = Pattern.compile("(?m)^(\\s+for: ).+$");
    private static final Pattern XID_WINDOW = Pattern.compile("(gpufleet_gpu_xid_last_seen_timestamp_seconds\\{[^}]*\\} < )900\\b");

    static List<Path> copy(List<Path> ruleFiles, Path dir, String forDuration, int xidWindowSeconds) throws IOException {
        List<Path> out = new ArrayList<>();
        int windows = 0;
        for (Path f : ruleFiles) {
            String text = Files.readString(f);
            text = FOR.matcher(text).replaceAll("$1" + forDuration);
            Matcher m = XID_WINDOW.matcher(text);
            StringBuilder sb = new StringBuilder();
            while (m.find()) {
                m.appendReplacement(sb, Matcher.quoteReplacement(m.group(1) + xidWindowSeconds));
                windows++;
            }
            m.appendTail(sb);
            Path target = dir.resolve(f.getFileName());
            Files.writeString(target, sb.toString());
            out.add(target);
        }
        if (windows == 0) throw new IllegalStateException("no XID window (< 900) found in " + ruleFiles);
        return out;
    }
}
