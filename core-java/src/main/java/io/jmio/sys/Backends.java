package io.jmio.sys;

import java.lang.reflect.InvocationTargetException;
import java.util.Locale;

/**
 * Picks the native backend once per process. Internal.
 *
 * <p>{@code -Djmio.backend=jna} or {@code ffm} forces one; unset (or {@code auto}) takes the
 * Foreign Function &amp; Memory backend on JDK 22+ when the JVM grants jmio native access
 * ({@code --enable-native-access}), and JNA otherwise. FFM is looked up by name because its class
 * exists only in the jar's {@code META-INF/versions/22}, which the Java 11 code here cannot see.
 */
public final class Backends {
    private Backends() {}

    static final String PROPERTY = "jmio.backend";
    private static final String FFM_CLASS = "io.jmio.sys.FfmSyscalls";
    private static final int FFM_MIN_JAVA = 22;

    private static volatile String unsupportedReason = "jmio's native backend did not load";

    static String unsupportedReason() {
        return unsupportedReason;
    }

    /** The backend for this process, or null (with {@link #unsupportedReason()} set). */
    static Syscalls load() {
        String requested = System.getProperty(PROPERTY, "").trim().toLowerCase(Locale.ROOT);
        String reason = unsupportedReason(System.getProperty("os.name", "unknown"), Layout.LP64,
                System.getProperty("os.arch", "unknown"), requested);
        if (reason != null) {
            unsupportedReason = reason;
            return null;
        }
        switch (requested) {
            case "jna":
                return jna();
            case "ffm":
                return forcedFfm();
            default:
                return automatic();
        }
    }

    /**
     * Why jmio cannot run on a JVM with these properties, or null if it can: the decision
     * {@link Syscalls#require()} reports, separated from the running JVM so it can be tested.
     * Whether a valid backend name can load here is decided when it loads.
     *
     * @param osName the {@code os.name} property
     * @param lp64 whether the JVM uses a 64-bit data model
     * @param osArch the {@code os.arch} property: only architectures whose socket constants,
     *     errno values and struct layouts jmio carries (x86-64, aarch64) are accepted
     * @param requestedBackend the {@code jmio.backend} property: {@code "jna"}, {@code "ffm"}, or
     *     empty or {@code "auto"} to choose automatically
     */
    public static String unsupportedReason(String osName, boolean lp64, String osArch, String requestedBackend) {
        if (!osName.toLowerCase(Locale.ROOT).contains("linux")) {
            return "jmio supports Linux (epoll) only so far; this is " + osName;
        }
        if (!lp64) {
            return "jmio needs a 64-bit JVM; this one runs on " + osArch;
        }
        if (!knownArchitecture(osArch)) {
            // mips64, sparc64, alpha and others number sockets, errno and O_NONBLOCK differently.
            return "jmio supports Linux on x86-64 and aarch64 only so far, whose constants and struct layouts"
                    + " it carries; this is " + osArch;
        }
        switch (requestedBackend) {
            case "":
            case "auto":
            case "jna":
            case "ffm":
                return null;
            default:
                return "-D" + PROPERTY + "=" + requestedBackend
                        + " is not a jmio backend; use jna or ffm, or leave it unset to choose automatically";
        }
    }

    /** HotSpot and Android name x86-64 {@code amd64} or {@code x86_64}, and arm64 {@code aarch64}. */
    private static boolean knownArchitecture(String osArch) {
        switch (osArch.toLowerCase(Locale.ROOT)) {
            case "amd64":
            case "x86_64":
            case "aarch64":
                return true;
            default:
                return false;
        }
    }

    private static Syscalls jna() {
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

    private static Syscalls automatic() {
        Class<?> ffm = ffmClass();
        if (ffm != null && nativeAccessEnabled(ffm)) {
            try {
                return instantiate(ffm);
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                // FFM could not link here; JNA calls the same functions, only slower.
            }
        }
        return jna();
    }

    private static Syscalls forcedFfm() {
        String prefix = "-D" + PROPERTY + "=ffm cannot work here: ";
        if (DirectAddress.javaFeatureVersion() < FFM_MIN_JAVA) {
            unsupportedReason = prefix + "the Foreign Function & Memory backend needs JDK " + FFM_MIN_JAVA
                    + " or newer, and this is Java " + System.getProperty("java.specification.version")
                    + "; use jna";
            return null;
        }
        Class<?> ffm = ffmClass();
        if (ffm == null) {
            unsupportedReason = prefix + "this jmio-core has no " + FFM_CLASS
                    + " (it was built on a JDK older than " + FFM_MIN_JAVA
                    + ", or its classes are not loaded from the multi-release jar)";
            return null;
        }
        try {
            return instantiate(ffm);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            unsupportedReason = prefix + describe(e);
            return null;
        }
    }

    /** The FFM backend's class on JDK 22+ where the jar carries it; null otherwise. Not initialised. */
    private static Class<?> ffmClass() {
        if (DirectAddress.javaFeatureVersion() < FFM_MIN_JAVA) {
            return null;
        }
        try {
            return Class.forName(FFM_CLASS, false, Backends.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }

    private static boolean nativeAccessEnabled(Class<?> ffm) {
        try {
            return (Boolean) ffm.getDeclaredMethod("nativeAccessEnabled").invoke(null);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return false;
        }
    }

    private static Syscalls instantiate(Class<?> ffm) throws ReflectiveOperationException {
        return (Syscalls) ffm.getDeclaredConstructor().newInstance();
    }

    private static String describe(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof InvocationTargetException || cause instanceof ExceptionInInitializerError)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        String description = cause.toString();
        // Named by string: IllegalCallerException (JDK 9+) is not in Android's API.
        if (cause.getClass().getName().equals("java.lang.IllegalCallerException")) {
            description += "; grant jmio native access with --enable-native-access=ALL-UNNAMED"
                    + " (io.jmio on the module path), or use -D" + PROPERTY + "=jna";
        }
        return description;
    }
}
