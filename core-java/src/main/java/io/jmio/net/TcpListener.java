package io.jmio.net;

import io.jmio.IoSource;
import io.jmio.internal.FdHandle;
import io.jmio.internal.SourceHandles;
import io.jmio.internal.SocketOptions;
import io.jmio.internal.Sockets;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;

/**
 * A non-blocking TCP listening socket, registered with a {@link io.jmio.Poll} for
 * {@link io.jmio.Interest#READABLE} to learn when connections are waiting.
 *
 * <pre>{@code
 * TcpListener listener = TcpListener.bind(new InetSocketAddress("127.0.0.1", 8080));
 * poll.registry().register(listener, SERVER, Interest.READABLE);
 * // on each event for SERVER, accept until there is nothing left:
 * TcpStream stream;
 * while ((stream = listener.accept()) != null) {
 *     poll.registry().register(stream, nextToken++, Interest.READABLE);
 * }
 * }</pre>
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Edge-triggered like every source: after a readable event, {@link #accept()} until it
 *       returns null, or no further event may come for connections already queued.</li>
 *   <li>{@link #accept()} returns null when no connection is waiting, never blocks, and skips
 *       connections the peer aborted before they were accepted. Accepted streams are
 *       non-blocking and close-on-exec from the start ({@code accept4}).</li>
 *   <li>Thread-safe: any thread may accept or close. {@link #close()} is idempotent, removes the
 *       listener from every epoll set it is in, and makes every later call throw
 *       {@link java.nio.channels.ClosedChannelException} without reaching the kernel.</li>
 *   <li>{@link #accept()} allocates only the stream it returns, and nothing when none is waiting.</li>
 * </ul>
 *
 * <p>To set options that must precede {@code bind} or {@code listen} (SO_REUSEPORT, buffer
 * sizes, IPv6-only), build the listener with {@link TcpSocket}.
 */
public final class TcpListener extends IoSource implements AutoCloseable {
    /** The backlog {@link #bind(InetSocketAddress)} and {@link TcpSocket#listen()} use. */
    public static final int DEFAULT_BACKLOG = 1024;

    private final int family;

    private final FdHandle handle;

    TcpListener(FdHandle handle, int family) {
        this.handle = handle;
        SourceHandles.bind(this, handle, true);
        this.family = family;
    }

    /**
     * Binds a listener to {@code address} with SO_REUSEADDR (so a restarted server can rebind while
     * old connections linger in TIME_WAIT) and a backlog of {@link #DEFAULT_BACKLOG}. An IPv6
     * wildcard address ({@code [::]}) also accepts IPv4 clients.
     *
     * @throws java.net.BindException if the address is in use or not local
     * @throws java.nio.channels.UnresolvedAddressException for an unresolved address
     */
    public static TcpListener bind(InetSocketAddress address) throws IOException {
        return bind(address, DEFAULT_BACKLOG);
    }

    /**
     * Like {@link #bind(InetSocketAddress)} with the given backlog.
     *
     * @throws IllegalArgumentException if {@code backlog < 1}
     */
    public static TcpListener bind(InetSocketAddress address, int backlog) throws IOException {
        if (backlog < 1) {
            throw new IllegalArgumentException("backlog must be at least 1: " + backlog);
        }
        TcpSocket socket = TcpSocket.forAddress(address);
        try {
            return socket.setOption(StandardSocketOptions.SO_REUSEADDR, true).bind(address).listen(backlog);
        } finally {
            socket.close(); // does nothing once listen() has handed the socket over
        }
    }

    /**
     * Accepts one waiting connection.
     *
     * @return the connected stream (its address: {@link TcpStream#peerAddress()}), or null if no
     *     connection is waiting
     */
    public TcpStream accept() throws IOException {
        int fd = Sockets.accept(handle);
        return fd < 0 ? null : new TcpStream(new FdHandle(fd), family);
    }

    /** The bound address, with the actual port if bound to port 0. */
    public InetSocketAddress localAddress() throws IOException {
        return Sockets.localAddress(handle);
    }

    /** The TTL (hop limit on IPv6) that accepted connections inherit. */
    public int ttl() throws IOException {
        return Inet.ttl(handle, family);
    }

    /** @throws IllegalArgumentException unless {@code 1 <= ttl <= 255} */
    public void setTtl(int ttl) throws IOException {
        Inet.setTtl(handle, family, ttl);
    }

    /**
     * Sets a socket option (a {@link StandardSocketOptions} one, or a {@code jdk.net.ExtendedSocketOptions}
     * keep-alive timing); accepted streams inherit most of them.
     *
     * @throws UnsupportedOperationException for an option jmio does not map
     */
    public <T> TcpListener setOption(SocketOption<T> option, T value) throws IOException {
        SocketOptions.set(handle, family, option, value);
        return this;
    }

    public <T> T getOption(SocketOption<T> option) throws IOException {
        return SocketOptions.get(handle, family, option);
    }

    /** Reads and clears the socket's pending error (SO_ERROR): the exception it stands for, or null. */
    public IOException takeError() throws IOException {
        return Sockets.takeError(handle);
    }

    /** Closes the listener; idempotent, safe from any thread. Waiting connections are reset. */
    @Override
    public void close() {
        handle.close();
    }

    @Override
    public String toString() {
        return "TcpListener" + Inet.describe(handle);
    }
}
