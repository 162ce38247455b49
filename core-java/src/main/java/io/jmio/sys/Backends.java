package io.jmio.sys;

import java.util.Locale;

/** Picks the native backend once per process. Internal. */
final class Backends {
    private Backends() {}

    private static volatile String unsupportedReason = "jmio's native backend did not load";

    static String unsupportedReason() {
        return unsupportedReason;
    }

    /** The backend for this process, or null (with {@link #unsupportedReason()} set). */
    static Syscalls load() {
        String os = System.getProperty("os.name", "unknown");
        if (!os.toLowerCase(Locale.ROOT).contains("linux")) {
            unsupportedReason = "jmio supports Linux (epoll) only so far; this is " + os;
            return null;
        }
        if (!Layout.LP64) {
            unsupportedReason = "jmio needs a 64-bit JVM; this one runs on " + System.getProperty("os.arch");
            return null;
        }
        String requested = System.getProperty("jmio.backend", "jna");
        if (!requested.equals("jna")) {
            unsupportedReason = "-Djmio.backend=" + requested + " is not available; this build has: jna";
            return null;
        }
        return new JnaSyscalls();
    }
}
