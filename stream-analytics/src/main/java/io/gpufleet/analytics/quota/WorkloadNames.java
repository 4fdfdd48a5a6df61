package io.gpufleet.analytics.quota;

/**
 * The workload (owner) of a pod, from its name: Kubernetes controllers name pods {@code <owner>-<suffix>}, so
 * the generated suffixes are dropped: a ReplicaSet hash and random suffix ({@code web-7d9f8b6c4-x2k9p} → {@code web}),
 * a Job's random suffix ({@code train-abcde} → {@code train}) and a StatefulSet ordinal ({@code db-0} → {@code db}).
 */
public final class WorkloadNames {
    private WorkloadNames() {}

    public static String of(String pod) {
        if (pod == null || pod.isEmpty()) return "";
        String s = pod;
        int dash = s.lastIndexOf('-');
        if (dash > 0 && isOrdinal(s, dash + 1)) return s.substring(0, dash);
        if (dash > 0 && s.length() - dash - 1 == 5 && isLowerAlnum(s, dash + 1)) {
            s = s.substring(0, dash);
            int d2 = s.lastIndexOf('-');
            int len = s.length() - d2 - 1;
            if (d2 > 0 && len >= 8 && len <= 10 && isLowerAlnum(s, d2 + 1) && hasDigit(s, d2 + 1)) s = s.substring(0, d2);
        }
        return s;
    }

    private static boolean isOrdinal(String s, int from) {
        if (from >= s.length() || s.length() - from > 5) return false;
        for (int i = from; i < s.length(); i++) if (!Character.isDigit(s.charAt(i))) return false;
        return true;
    }

    private static boolean isLowerAlnum(String s, int from) {
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
        }
        return true;
    }

    private static boolean hasDigit(String s, int from) {
        for (int i = from; i < s.length(); i++) if (Character.isDigit(s.charAt(i))) return true;
        return false;
    }
}
