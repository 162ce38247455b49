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
        return (address.getAddress() instanceof Inet6Address ? "[" + host + "]" : host) + ":" + address.getPort();
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
