package io.jmio.examples.server;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;

/**
 * Runs a started server the way every example server runs from the command line: announce it,
 * stop it on SIGINT or SIGTERM, wait until it has closed everything, exit 0.
 */
public final class Serve {
    private Serve() {}

    /**
     * Prints {@code listening on HOST:PORT} to stderr, then waits until a SIGINT or SIGTERM has
     * stopped {@code server} and it has closed its sockets and threads. A second signal while it
     * stops exits at once (status 128 + signal number), for a server stuck in shutdown.
     *
     * @return the exit status, 0
     */
    public static int untilSignalled(RunningServer server) throws InterruptedException {
        // Handlers go in before the announcement: whoever reads the line may signal at once.
        stopOnSignals(server);
        System.err.println("listening on " + format(server.localAddress()));
        server.await();
        return 0;
    }

    /** {@code 127.0.0.1:7000}, or {@code [::1]:7000} for IPv6. */
    public static String format(InetSocketAddress address) {
        String host = address.getAddress().getHostAddress();
        return (address.getAddress() instanceof Inet6Address ? "[" + compress(host) + "]" : host) + ":" + address.getPort();
    }

    /**
     * The short form of the JDK's full IPv6 text (RFC 5952): {@code 0:0:0:0:0:0:0:1} becomes
     * {@code ::1}, the longest run of two or more zero groups giving way to {@code ::}.
     */
    static String compress(String full) {
        int percent = full.indexOf('%');
        String scope = percent < 0 ? "" : full.substring(percent);
        String[] groups = (percent < 0 ? full : full.substring(0, percent)).split(":");
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < groups.length; ) {
            int j = i;
            while (j < groups.length && groups[j].equals("0")) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = Math.max(j, i + 1);
        }
        if (bestStart < 0) {
            return full;
        }
        String head = String.join(":", java.util.Arrays.copyOfRange(groups, 0, bestStart));
        String tail = String.join(":", java.util.Arrays.copyOfRange(groups, bestStart + bestLength, groups.length));
        return head + "::" + tail + scope;
    }

    /**
     * The JVM's own reaction to SIGINT/SIGTERM is to run shutdown hooks and exit 130/143, racing
     * the server's cleanup; handling the signals ourselves lets the main thread finish the
     * shutdown and exit 0. Where the JVM does not let us (-Xrs), a shutdown hook still stops the
     * server cleanly, with the JVM's exit status.
     */
    private static void stopOnSignals(RunningServer server) {
        AtomicBoolean stopping = new AtomicBoolean();
        try {
            for (String name : new String[] {"INT", "TERM"}) {
                Signal.handle(new Signal(name), signal -> {
                    if (stopping.compareAndSet(false, true)) {
                        server.stop();
                    } else {
                        Runtime.getRuntime().halt(128 + signal.getNumber());
                    }
                });
            }
        } catch (IllegalArgumentException | UnsupportedOperationException signalsUnavailable) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    server.close();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "jmio-examples-shutdown"));
        }
    }
}
