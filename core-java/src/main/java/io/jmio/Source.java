package io.jmio;

import java.io.IOException;

/**
 * Something that can be registered with a {@link Registry} to receive readiness events.
 *
 * <p>Users call {@link Registry#register}, {@link Registry#reregister} and {@link
 * Registry#deregister}, never these methods directly. jmio's own sockets, pipe ends and {@link
 * io.jmio.unix.SourceFd} implement it; a custom source implements it by delegating to the sources
 * it wraps:
 *
 * <pre>{@code
 * final class Connection implements Source {
 *     private final TcpStream stream;
 *     public void register(Registry registry, long token, Interest interests) throws IOException {
 *         registry.register(stream, token, interests);
 *     }
 *     public void reregister(Registry registry, long token, Interest interests) throws IOException {
 *         registry.reregister(stream, token, interests);
 *     }
 *     public void deregister(Registry registry) throws IOException {
 *         registry.deregister(stream);
 *     }
 * }
 * }</pre>
 */
public interface Source {
    void register(Registry registry, long token, Interest interests) throws IOException;

    void reregister(Registry registry, long token, Interest interests) throws IOException;

    void deregister(Registry registry) throws IOException;
}
