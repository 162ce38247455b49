package io.jmio.examples.server;

import java.net.InetSocketAddress;

/**
 * A server that is accepting connections: where it listens, and how to stop it. The CLI prints
 * {@link #localAddress()} once, stops the server on SIGINT or SIGTERM, and exits 0 after
 * {@link #await()} returns; tests start the same servers in-process and {@link #close()} them.
 *
 * <pre>{@code
 * try (RunningServer server = HttpExample.start("coroutines", new InetSocketAddress("127.0.0.1", 0), 1)) {
 *     int port = server.localAddress().getPort();
 *     // drive it with clients
 * }
 * }</pre>
 */
public interface RunningServer extends AutoCloseable {
    /** The bound address, with the actual port when asked for port 0. */
    InetSocketAddress localAddress();

    /**
     * Asks the server to stop: it closes its listeners and connections and releases its threads.
     * Returns at once; idempotent; safe from any thread, including a signal handler.
     */
    void stop();

    /** Waits until the server has stopped and closed every socket and loop it opened. */
    void await() throws InterruptedException;

    /** {@link #stop()} then {@link #await()}. */
    @Override
    default void close() throws InterruptedException {
        stop();
        await();
    }
}
