package io.jmio.net;

import io.jmio.IoSource;
import io.jmio.internal.FdHandle;
import io.jmio.internal.SourceHandles;
import io.jmio.internal.FdIo;
import io.jmio.internal.SocketOptions;
import io.jmio.internal.Sockets;
import io.jmio.sys.Linux;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ScatteringByteChannel;
import java.util.Objects;

/**
 * A non-blocking TCP connection, from {@link #connect}, {@link TcpSocket#connect} or
 * {@link TcpListener#accept()}. Its reads and writes follow NIO's non-blocking conventions.
 *
 * <pre>{@code
 * TcpStream stream = TcpStream.connect(new InetSocketAddress("127.0.0.1", 8080));
 * poll.registry().register(stream, CLIENT, Interest.READABLE.add(Interest.WRITABLE));
 * ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
 * // on a readable event: read until it would block
 * int n;
 * while ((n = stream.read(buffer)) > 0) {
 *     buffer.flip();
 *     consume(buffer);
 *     buffer.clear();
 * }
 * if (n < 0) stream.close(); // the peer closed its side
 * }</pre>
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>{@code read} returns the bytes read, 0 when it would block (or the buffer is full), -1 at
 *       end of stream. {@code write} returns the bytes written, possibly fewer than offered, and 0
 *       when it would block. "Would block" is never an exception; EINTR is retried.</li>
 *   <li>Edge-triggered like every source: after an event, read (or write) until it would block,
 *       or no further event may come. One shortcut is safe on Linux: a read into a direct buffer
 *       that returns fewer bytes than the buffer had room for emptied the socket, and the next
 *       byte or end of stream raises a new event, so the final read that would only return 0 may
 *       be skipped, unless the event reported {@link io.jmio.Event#isReadClosed()} or
 *       {@link io.jmio.Event#isError()} (then read on to -1). nginx and tokio rely on the same
 *       rule, and jmio's coroutine streams apply it. Urgent data breaks it, and whether it comes
 *       is the peer's choice (telnet sends it): a read stops short at the urgent mark, with or
 *       without SO_OOBINLINE, with more queued behind it and no new event to come. To keep the
 *       shortcut, register {@link io.jmio.Interest#PRIORITY} as well and read on until "would
 *       block" after any event that reports {@link io.jmio.Event#isPriority()}, as after a
 *       hang-up; or always read until "would block".</li>
 *   <li>Direct buffers go to the kernel without a copy. Heap buffers and {@code byte[]} work
 *       through a per-thread native buffer, at most 64 KiB per call. Read-only buffers are
 *       rejected for reads ({@link IllegalArgumentException}); offsets and lengths are checked in
 *       Java ({@link IndexOutOfBoundsException}).</li>
 *   <li>Zero allocation: reads, writes and peeks (direct, heap or {@code byte[]}),
 *       {@link #noDelay()} and {@link #setNoDelay} allocate nothing. The address getters and
 *       {@link #takeError()} allocate what they return.</li>
 *   <li>Thread-safe: one thread may read while another writes, and any thread may close.
 *       {@link #close()} is idempotent and removes the stream from every epoll set it is in;
 *       later calls throw {@link java.nio.channels.ClosedChannelException} without reaching the
 *       kernel. Errors map to the JDK's types: a refused connection is a
 *       {@link java.net.ConnectException}, a reset or broken connection a
 *       {@link java.net.SocketException} naming the errno ("Broken pipe (EPIPE)").</li>
 * </ul>
 */
public final class TcpStream extends IoSource
        implements ByteChannel, ScatteringByteChannel, GatheringByteChannel, AutoCloseable {
    private final int family;

    private final FdHandle handle;

    TcpStream(FdHandle handle, int family) {
        this.handle = handle;
        SourceHandles.bind(this, handle, true);
        this.family = family;
    }

    /**
     * Starts connecting to {@code address} without blocking. The returned stream may still be
     * connecting; to learn the outcome:
     * <ol>
     *   <li>register it for {@link io.jmio.Interest#WRITABLE} and wait for its event;</li>
     *   <li>{@link #takeError()}: non-null means the connection failed (for example a
     *       {@link java.net.ConnectException}); close the stream;</li>
     *   <li>{@link #peerAddress()}: non-null means connected; null means the event was spurious
     *       and the connection is still in progress, so wait for the next event.</li>
     * </ol>
     * Reads and writes before then return 0, or fail once the connection has failed.
     *
     * @throws java.net.ConnectException if the connection is refused at once
     * @throws java.nio.channels.UnresolvedAddressException for an unresolved address
     */
    public static TcpStream connect(InetSocketAddress address) throws IOException {
        return TcpSocket.forAddress(address).connect(address);
    }

    /** For {@link Splicer}, which hands this fd to the kernel itself. */
    FdHandle fdHandle() {
        return handle;
    }

    /** Reads into {@code dst} from its position: bytes read, 0 if it would block, -1 at end of stream. */
    @Override
    public int read(ByteBuffer dst) throws IOException {
        return FdIo.read(handle, dst);
    }

    /**
     * Reads into {@code dst[offset, offset + length)}: bytes read, 0 if it would block, -1 at end
     * of stream.
     *
     * @throws IndexOutOfBoundsException if offset and length do not fit the array
     */
    public int read(byte[] dst, int offset, int length) throws IOException {
        return FdIo.read(handle, dst, offset, length);
    }

    /** Scattering read ({@code readv}) into {@code dsts} in order; see {@link #read(ByteBuffer[], int, int)}. */
    @Override
    public long read(ByteBuffer[] dsts) throws IOException {
        return read(dsts, 0, Objects.requireNonNull(dsts, "buffers").length);
    }

    /**
     * Scattering read ({@code readv}) into {@code dsts[offset, offset + length)}, filling each
     * buffer before the next: total bytes read, 0 if it would block, -1 at end of stream.
     *
     * @throws IndexOutOfBoundsException if offset and length do not fit the array
     */
    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        return FdIo.read(handle, dsts, offset, length);
    }

    /**
     * Reads like {@link #read(ByteBuffer)} but leaves the data queued ({@code MSG_PEEK}): the next
     * read returns it again. Registrations are edge-triggered, so no new event comes for the
     * peeked bytes: read them without waiting for one.
     */
    public int peek(ByteBuffer dst) throws IOException {
        return FdIo.receive(handle, dst, Linux.MSG_PEEK, "peek");
    }

    /** Writes from {@code src}'s position: bytes written (possibly fewer than remaining), 0 if it would block. */
    @Override
    public int write(ByteBuffer src) throws IOException {
        return FdIo.write(handle, src);
    }

    /**
     * Writes {@code src[offset, offset + length)}: bytes written (possibly fewer), 0 if it would block.
     *
     * @throws IndexOutOfBoundsException if offset and length do not fit the array
     */
    public int write(byte[] src, int offset, int length) throws IOException {
        return FdIo.write(handle, src, offset, length);
    }

    /** Gathering write ({@code writev}) from {@code srcs} in order; see {@link #write(ByteBuffer[], int, int)}. */
    @Override
    public long write(ByteBuffer[] srcs) throws IOException {
        return write(srcs, 0, Objects.requireNonNull(srcs, "buffers").length);
    }

    /**
     * Gathering write ({@code writev}) from {@code srcs[offset, offset + length)}: total bytes
     * written, possibly fewer than offered, 0 if it would block.
     *
     * @throws IndexOutOfBoundsException if offset and length do not fit the array
     */
    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        return FdIo.write(handle, srcs, offset, length);
    }

    /**
     * Shuts down one or both directions. After {@link Shutdown#WRITE} the peer reads end of stream
     * once it has read what was sent, and our writes fail; reading goes on.
     */
    public void shutdown(Shutdown how) throws IOException {
        Objects.requireNonNull(how, "how");
        Sockets.shutdown(handle, how == Shutdown.READ ? Linux.SHUT_RD
                : how == Shutdown.WRITE ? Linux.SHUT_WR : Linux.SHUT_RDWR);
    }

    /** Whether Nagle's algorithm is off (TCP_NODELAY). */
    public boolean noDelay() throws IOException {
        return Sockets.getInt(handle, Linux.IPPROTO_TCP, Linux.TCP_NODELAY) != 0;
    }

    /** Turns Nagle's algorithm off (true) so small writes go out at once, or back on. */
    public void setNoDelay(boolean noDelay) throws IOException {
        Sockets.setInt(handle, Linux.IPPROTO_TCP, Linux.TCP_NODELAY, noDelay ? 1 : 0);
    }

    /** The TTL of outgoing packets (the unicast hop limit on IPv6). */
    public int ttl() throws IOException {
        return Inet.ttl(handle, family);
    }

    /** @throws IllegalArgumentException unless {@code 1 <= ttl <= 255} */
    public void setTtl(int ttl) throws IOException {
        Inet.setTtl(handle, family, ttl);
    }

    /**
     * Sets a socket option: a {@link StandardSocketOptions} one (TCP_NODELAY, SO_KEEPALIVE,
     * SO_LINGER, SO_SNDBUF, IP_TOS...) or a {@code jdk.net.ExtendedSocketOptions} keep-alive timing.
     * A positive SO_LINGER never makes {@link #close()} block: see there.
     *
     * @throws UnsupportedOperationException for an option jmio does not map
     */
    public <T> TcpStream setOption(SocketOption<T> option, T value) throws IOException {
        SocketOptions.set(handle, family, option, value);
        return this;
    }

    public <T> T getOption(SocketOption<T> option) throws IOException {
        return SocketOptions.get(handle, family, option);
    }

    /** The remote address, or null while the connection is still being made (or after it failed). */
    public InetSocketAddress peerAddress() throws IOException {
        return Sockets.peerAddressIfConnected(handle);
    }

    public InetSocketAddress localAddress() throws IOException {
        return Sockets.localAddress(handle);
    }

    /**
     * Reads and clears the socket's pending error (SO_ERROR): the exception it stands for, such as
     * a {@link java.net.ConnectException} for a refused connection, or null.
     */
    public IOException takeError() throws IOException {
        return Sockets.takeError(handle);
    }

    /**
     * Closes the connection; idempotent, safe from any thread, and never blocks: with
     * {@link StandardSocketOptions#SO_LINGER} set to a positive timeout (here or inherited from the
     * listener), Linux would block the closing thread, usually an event loop's, until the peer
     * acknowledged everything, so lingering is turned off first. Nothing changes on the wire: the
     * kernel still sends what is queued, then the FIN, as it does after a lingering close. A
     * zero SO_LINGER still resets the connection.
     */
    @Override
    public void close() {
        if (handle.isOpen()) {
            SocketOptions.neverBlockInClose(handle);
        }
        handle.close();
    }

    @Override
    public String toString() {
        return "TcpStream" + Inet.describe(handle);
    }
}
