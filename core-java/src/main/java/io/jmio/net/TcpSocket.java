package io.jmio.net;

import io.jmio.internal.FdHandle;
import io.jmio.internal.Sockets;
import io.jmio.sys.Linux;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;

/**
 * A TCP socket that is not yet a listener or a stream: set the options that must come before
 * {@code bind}, {@code listen} or {@code connect}, then turn it into a {@link TcpListener} or a
 * {@link TcpStream}.
 *
 * <pre>{@code
 * // One listener per core on the same port: the kernel spreads connections across them.
 * TcpListener listener = TcpSocket.v6()
 *         .setOption(StandardSocketOptions.SO_REUSEADDR, true)
 *         .setOption(StandardSocketOptions.SO_REUSEPORT, true)
 *         .bind(new InetSocketAddress("::", 8080))
 *         .listen();
 *
 * // A client with a large receive buffer, set before the handshake so the window scales.
 * TcpStream stream = TcpSocket.forAddress(server)
 *         .setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20)
 *         .connect(server);
 * }</pre>
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>The socket is non-blocking and close-on-exec from its creation. An IPv6 socket starts
 *       dual-stack (IPV6_V6ONLY off, whatever the system default); {@link #setV6Only} changes that
 *       before {@code bind}.</li>
 *   <li>{@link #listen} and {@link #connect} hand the socket over to the listener or stream they
 *       return; they do so even when they fail (the socket is then closed), so this object is
 *       unusable afterwards ({@link IllegalStateException}). A bad argument fails before the
 *       hand-over and leaves it usable. {@link #bind} failing leaves it open: close it.</li>
 *   <li>Until handed over it is {@link AutoCloseable}; {@link #close()} is idempotent and does
 *       nothing after the hand-over. Not thread-safe: configure it from one thread.</li>
 * </ul>
 */
public final class TcpSocket implements AutoCloseable {
    private final SocketSetup setup;

    private TcpSocket(SocketSetup setup) {
        this.setup = setup;
    }

    /** A new IPv4 TCP socket. */
    public static TcpSocket v4() throws IOException {
        return new TcpSocket(SocketSetup.open(Linux.AF_INET, Linux.SOCK_STREAM, "TcpSocket"));
    }

    /** A new IPv6 TCP socket, dual-stack unless {@link #setV6Only} says otherwise. */
    public static TcpSocket v6() throws IOException {
        return new TcpSocket(SocketSetup.open(Linux.AF_INET6, Linux.SOCK_STREAM, "TcpSocket"));
    }

    /**
     * A new TCP socket of the family {@code address} needs (IPv4 or IPv6).
     *
     * @throws java.nio.channels.UnresolvedAddressException if {@code address} is unresolved
     */
    public static TcpSocket forAddress(InetSocketAddress address) throws IOException {
        return new TcpSocket(SocketSetup.open(Inet.family(address), Linux.SOCK_STREAM, "TcpSocket"));
    }

    /**
     * Sets a socket option, such as {@link java.net.StandardSocketOptions#SO_REUSEPORT} or a
     * {@code jdk.net.ExtendedSocketOptions} keep-alive timing.
     *
     * @throws UnsupportedOperationException for an option jmio does not map
     * @throws IllegalArgumentException for a value the option cannot take
     */
    public <T> TcpSocket setOption(SocketOption<T> option, T value) throws IOException {
        setup.setOption(option, value);
        return this;
    }

    public <T> T getOption(SocketOption<T> option) throws IOException {
        return setup.getOption(option);
    }

    /**
     * Whether an IPv6 socket serves IPv6 only (true) or IPv4 too through IPv4-mapped addresses
     * (false, the default here). Set it before {@link #bind}.
     *
     * @throws UnsupportedOperationException on an IPv4 socket
     */
    public TcpSocket setV6Only(boolean v6Only) throws IOException {
        setup.setV6Only(v6Only);
        return this;
    }

    /**
     * Binds to a local address: the address to listen on, or the source address of a connection.
     * Port 0 picks a free port ({@link #localAddress()} tells which).
     *
     * @throws java.net.BindException if the address is in use or not local
     * @throws java.nio.channels.UnresolvedAddressException for an unresolved address
     * @throws IllegalArgumentException for an IPv6 address on an IPv4 socket
     */
    public TcpSocket bind(InetSocketAddress local) throws IOException {
        setup.bind(local);
        return this;
    }

    public InetSocketAddress localAddress() throws IOException {
        return setup.localAddress();
    }

    /** Starts listening with a backlog of {@link TcpListener#DEFAULT_BACKLOG}; see {@link #listen(int)}. */
    public TcpListener listen() throws IOException {
        return listen(TcpListener.DEFAULT_BACKLOG);
    }

    /**
     * Starts listening (on the bound address, or on a free port of the wildcard address if unbound)
     * and hands the socket over to the returned listener.
     *
     * @param backlog the queue of connections not yet accepted; the kernel caps it at
     *     {@code net.core.somaxconn}
     * @throws IllegalArgumentException if {@code backlog < 1}
     */
    public TcpListener listen(int backlog) throws IOException {
        if (backlog < 1) {
            throw new IllegalArgumentException("backlog must be at least 1: " + backlog);
        }
        FdHandle handle = setup.handOver();
        try {
            Sockets.listen(handle, backlog);
        } catch (IOException | RuntimeException e) {
            handle.close();
            throw e;
        }
        return new TcpListener(handle, setup.family);
    }

    /**
     * Starts connecting to {@code remote} without blocking and hands the socket over to the
     * returned stream, which may still be connecting: see {@link TcpStream#connect} for how to
     * learn the outcome.
     *
     * @throws java.net.ConnectException if the connection is refused at once
     * @throws java.nio.channels.UnresolvedAddressException for an unresolved address
     * @throws IllegalArgumentException for an IPv6 address on an IPv4 socket
     */
    public TcpStream connect(InetSocketAddress remote) throws IOException {
        int length = Sockets.encode(setup.family, Inet.require(remote));
        FdHandle handle = setup.handOver();
        try {
            Sockets.connectEncoded(handle, length, remote);
        } catch (IOException | RuntimeException e) {
            handle.close();
            throw e;
        }
        return new TcpStream(handle, setup.family);
    }

    /** False once closed or handed over. */
    public boolean isOpen() {
        return setup.isOpen();
    }

    /** Closes the socket unless it was handed over; idempotent. */
    @Override
    public void close() {
        setup.close();
    }

    @Override
    public String toString() {
        return setup.toString();
    }
}
