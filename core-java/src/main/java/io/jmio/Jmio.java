package io.jmio;

import io.jmio.sys.Syscalls;

/**
 * Which native backend this process uses, for logs and bug reports.
 *
 * <pre>{@code
 * System.out.println("jmio backend: " + Jmio.backend()); // "ffm" or "jna"
 * }</pre>
 *
 * <h2>How the backend is chosen</h2>
 * Once per process, when jmio first makes a system call:
 * <ul>
 *   <li>{@code "ffm"}, the JDK's Foreign Function &amp; Memory API, on JDK 22 or newer when the JVM
 *       grants jmio native access: {@code --enable-native-access=ALL-UNNAMED} on the class path,
 *       {@code --enable-native-access=io.jmio} on the module path, or {@code Enable-Native-Access:
 *       ALL-UNNAMED} in an executable jar's manifest. Fewer nanoseconds per call (about 30–40 ns
 *       over the bare syscall, against about 130 ns through JNA, on our machines).</li>
 *   <li>{@code "jna"} otherwise: JDK 11–21, Android, or native access not granted.</li>
 *   <li>{@code -Djmio.backend=jna} or {@code -Djmio.backend=ffm} forces one. Forcing {@code ffm}
 *       where it cannot work (before JDK 22, or a jar built without it) makes every jmio operation
 *       throw {@link UnsupportedOperationException} saying why; it never silently falls back.</li>
 * </ul>
 * Both backends make the same system calls with the same results.
 *
 * <p>Thread-safe; the answer never changes within a process.
 */
public final class Jmio {
    private Jmio() {}

    /**
     * The active native backend: {@code "ffm"} or {@code "jna"}.
     *
     * @throws UnsupportedOperationException where jmio cannot run, naming the reason (another
     *     operating system, a 32-bit JVM, or a forced backend this JVM cannot provide)
     */
    public static String backend() {
        return Syscalls.require().name();
    }
}
