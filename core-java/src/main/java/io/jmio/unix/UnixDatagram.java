package io.jmio.unix;

import io.jmio.IoSource;
import io.jmio.internal.DatagramIo;
import io.jmio.sys.Scratch;
import io.jmio.internal.FdHandle;
import io.jmio.internal.SourceHandles;
import io.jmio.internal.Sockets;
import io.jmio.net.Shutdown;
import io.jmio.sys.Linux;
import java.io.IOException;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A non-blocking Unix domain datagram socket: jmio's {@code mio::net::UnixDatagram}. Datagrams
 * are reliable and ordered on one machine, and never split or merged.
 *
 * <pre>{@code
 * try (UnixDatagram server = UnixDatagram.bind(dir.resolve("server.sock"));
 *      UnixDatagram client = UnixDatagram.unbound()) {
 *     client.sendTo(ByteBuffer.wrap("ping".getBytes(UTF_8)), server.localAddress());
 *     ByteBuffer buffer = ByteBuffer.allocateDirect(1024);
 *     UnixSocketAddress from = server.receiveFrom(buffer); // null if nothing is queued yet
 * }
 * }</pre>
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Sends are all or nothing: they return the datagram's length, or -1 when the receiver's
 *       queue is full (wait for a writable event). As with {@code UdpSocket}, "would block" is
 *       never 0, because an empty datagram is real.</li>
 *   <li>{@link #receiveFrom} returns the sender's address, or null when nothing is queued; an
 *       unbound sender's address is {@link UnixSocketAddress#unnamed()}. {@link #receive} returns
 *       the length (0 for an empty datagram), or -1 when nothing is queued. Bytes beyond the
 *       buffer's room are discarded.</li>
 *   <li>Direct buffers go to the kernel as they are; heap buffers are copied (datagrams over
 *       64 KiB through a temporary buffer of their size).</li>
 *   <li>Thread-safe; {@link #close()} is idempotent, removes the socket from any poll and makes
 *       every later call throw {@link java.nio.channels.ClosedChannelException}. Closing a socket
 *       bound to a path does not delete the socket file.</li>
 * </ul>
 */
public final class UnixDatagram extends IoSource implements AutoCloseable {
    private final FdHandle handle;

    private UnixDatagram(FdHandle handle) {
        this.handle = handle;
        SourceHandles.bind(this, handle, true);
    }

    /**
     * A socket bound to a new socket file at {@code path}.
     *
     * @throws IllegalArgumentException if the path is empty, too long or contains NUL
     * @throws java.net.BindException if something already exists at {@code path}
     */
    public static UnixDatagram bind(Path path) throws IOException {
        return bind(UnixSocketAddress.of(path));
    }

    /**
     * A socket bound to a path or abstract name; {@link UnixSocketAddress#unnamed()} picks a fresh
     * abstract name, so that receivers can reply.
     */
    public static UnixDatagram bind(UnixSocketAddress address) throws IOException {
        Objects.requireNonNull(address, "address");
        return new UnixDatagram(UnixSockets.open(Linux.SOCK_DGRAM, handle -> UnixSockets.bind(handle, address)));
    }

    /** A socket bound to nothing: it can send, but nobody can reply to it. */
    public static UnixDatagram unbound() throws IOException {
        return new UnixDatagram(UnixSockets.open(Linux.SOCK_DGRAM, handle -> { }));
    }

    /**
     * Two sockets connected to each other ({@code socketpair}).
     *
     * @return an array of exactly two sockets (in Kotlin: {@code val (a, b) = UnixDatagram.pair()})
     */
    public static UnixDatagram[] pair() throws IOException {
        FdHandle[] handles = UnixSockets.pair(Linux.SOCK_DGRAM);
        return new UnixDatagram[] {new UnixDatagram(handles[0]), new UnixDatagram(handles[1])};
    }

    /**
     * Takes over a Unix datagram socket made elsewhere: makes it non-blocking and close-on-exec
     * and closes it with the returned socket. If this throws, the fd is untouched and still yours.
     *
     * @throws IllegalArgumentException if {@code fd} is not an open Unix datagram socket
     */
    public static UnixDatagram fromOwnedFd(int fd) throws IOException {
        return new UnixDatagram(UnixSockets.adopt(fd, Linux.SOCK_DGRAM, false));
    }

    /** Sends only to, and receives only from, the socket at {@code path}. */
    public void connect(Path path) throws IOException {
        connect(UnixSocketAddress.of(path));
    }

    /**
     * Sends only to, and receives only from, {@code address}; may be called again to switch.
     *
     * @throws java.net.ConnectException if no socket is bound there
     */
    public void connect(UnixSocketAddress address) throws IOException {
        UnixSockets.connect(handle, address);
    }

    /**
     * Sends {@code src}'s remaining bytes as one datagram to {@code target}.
     *
     * @return the datagram's length, or -1 if the receiver's queue is full (would block): as with
     *     {@code UdpSocket}, 0 is a real, empty datagram
     * @throws java.net.ConnectException if no socket is bound at {@code target}
     */
    public int sendTo(ByteBuffer src, UnixSocketAddress target) throws IOException {
        UnixSockets.requireNamed(target, "send to");
        Objects.requireNonNull(src, "src");
        return DatagramIo.send(handle, src, target.encode(), "send to " + target, false);
    }

    /** Sends one datagram to the socket at {@code path}; see {@link #sendTo(ByteBuffer, UnixSocketAddress)}. */
    public int sendTo(ByteBuffer src, Path path) throws IOException {
        return sendTo(src, UnixSocketAddress.of(path));
    }

    /**
     * Sends one datagram to the connected peer.
     *
     * @return the datagram's length, or -1 if the receiver's queue is full (would block)
     * @throws java.net.SocketException if not connected (ENOTCONN), or "Broken pipe (EPIPE)" after
     *     {@code shutdown(WRITE)}
     */
    public int send(ByteBuffer src) throws IOException {
        Objects.requireNonNull(src, "src");
        return DatagramIo.send(handle, src, 0, "send", false);
    }

    /**
     * Receives one datagram into {@code dst}.
     *
     * @return the sender's address, or null if nothing is queued
     */
    public UnixSocketAddress receiveFrom(ByteBuffer dst) throws IOException {
        Objects.requireNonNull(dst, "dst");
        if (DatagramIo.receive(handle, dst, 0, true, "receive", false) == DatagramIo.WOULD_BLOCK) {
            return null;
        }
        return UnixSocketAddress.decode(Scratch.get().buffer.getInt(Scratch.ADDRESS_LENGTH));
    }

    /**
     * Receives one datagram into {@code dst}.
     *
     * @return bytes stored (0 for an empty datagram), or -1 when nothing is queued (would block)
     */
    public int receive(ByteBuffer dst) throws IOException {
        Objects.requireNonNull(dst, "dst");
        return DatagramIo.receive(handle, dst, 0, false, "receive", false);
    }

    /** Shuts down receiving, sending or both. */
    public void shutdown(Shutdown how) throws IOException {
        UnixSockets.shutdown(handle, how);
    }

    /** The address this socket is bound to, or unnamed. */
    public UnixSocketAddress localAddress() throws IOException {
        return UnixSockets.localAddress(handle);
    }

    /**
     * The connected peer's address.
     *
     * @throws java.net.SocketException "not connected (ENOTCONN)" if not connected
     */
    public UnixSocketAddress peerAddress() throws IOException {
        return UnixSockets.peerAddress(handle);
    }

    /** Reads and clears the pending socket error ({@code SO_ERROR}): the exception it stands for, or null. */
    public IOException takeError() throws IOException {
        return Sockets.takeError(handle);
    }

    /**
     * Sets a socket option ({@link java.net.StandardSocketOptions#SO_SNDBUF} and the like).
     *
     * @throws UnsupportedOperationException if the option does not apply to Unix sockets
     */
    public <T> UnixDatagram setOption(SocketOption<T> option, T value) throws IOException {
        UnixSockets.setOption(handle, option, value);
        return this;
    }

    public <T> T getOption(SocketOption<T> option) throws IOException {
        return UnixSockets.getOption(handle, option);
    }

    /** Closes the socket (idempotent); a socket file it was bound to stays. */
    @Override
    public void close() {
        handle.close();
    }

    @Override
    public String toString() {
        return "UnixDatagram(fd " + handle.fdForDiagnostics() + (isOpen() ? ")" : ", closed)");
    }
}
