package io.jmio.sys;

import java.util.Locale;

/** Picks the native backend once per process. Internal. */
public final class Backends {
    private Backends() {}

    private static volatile String unsupportedReason = "jmio's native backend did not load";

    static String unsupportedReason() {
        return unsupportedReason;
    }

    /** The backend for this process, or null (with {@link #unsupportedReason()} set). */
    static Syscalls load() {
        String reason = unsupportedReason(System.getProperty("os.name", "unknown"), Layout.LP64,
                System.getProperty("os.arch", "unknown"), System.getProperty("jmio.backend", "jna"));
        if (reason != null) {
            unsupportedReason = reason;
            return null;
        }
        try {
            JnaSyscalls jna = new JnaSyscalls();
            // Binds libc now, so a JNA that cannot load becomes a clear reason, not an Error mid-call.
            LibC.bind();
            return jna;
        } catch (LinkageError e) {
            unsupportedReason = "jmio could not bind libc through JNA: " + e;
            return null;
        }
    }

    /**
     * Why jmio cannot run on a JVM with these properties, or null if it can: the decision
     * {@link Syscalls#require()} reports, separated from the running JVM so it can be tested.
     *
     * @param osName the {@code os.name} property
     * @param lp64 whether the JVM uses a 64-bit data model
     * @param osArch the {@code os.arch} property, for the message
     * @param requestedBackend the {@code jmio.backend} property ({@code "jna"} by default)
     */
    public static String unsupportedReason(String osName, boolean lp64, String osArch, String requestedBackend) {
        if (!osName.toLowerCase(Locale.ROOT).contains("linux")) {
            return "jmio supports Linux (epoll) only so far; this is " + osName;
        }
        if (!lp64) {
            return "jmio needs a 64-bit JVM; this one runs on " + osArch;
        }
        if (!requestedBackend.equals("jna")) {
            return "-Djmio.backend=" + requestedBackend + " is not available; this build has: jna";
        }
        return null;
    }
}
