package io.jmio.unix;

import io.jmio.IoSource;
import io.jmio.internal.FdHandle;
import io.jmio.internal.SourceHandles;
import io.jmio.internal.FdIo;
import io.jmio.internal.Sockets;
import io.jmio.net.Shutdown;
import io.jmio.sys.Linux;
import java.io.IOException;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.nio.channels.ScatteringByteChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ByteChannel;
import java.nio.file.Path;

/**
 * A non-blocking, connected Unix domain stream socket: jmio's {@code mio::net::UnixStream}, plus
 * passing file descriptors ({@link #sendWithFds}, {@link #receiveWithFds}).
 *
 * <pre>{@code
 * UnixStream stream = UnixStream.connect(Paths.get("/run/app.sock"));
 * poll.registry().register(stream, CLIENT, Interest.READABLE.add(Interest.WRITABLE));
 * ByteBuffer buffer = ByteBuffer.allocateDirect(4096);
 * // on a readable event for CLIENT, read until 0 (would block) or -1 (end of stream):
 * int n;
 * while ((n = stream.read(buffer)) > 0) {
 *     buffer.flip(); consume(buffer); buffer.clear();
 * }
 * if (n < 0) stream.close();
 * }</pre>
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Reads return the bytes read, 0 when they would block (or {@code dst} is full), -1 at end of
 *       stream; writes return the bytes written, 0 when they would block. Edge-triggered polls
 *       need you to read or write until 0 before waiting again.</li>
 *   <li>Direct buffers go to the kernel as they are and steady-state reads and writes allocate
 *       nothing; heap buffers and arrays are copied through a per-thread native buffer (at most
 *       64 KiB per call). Read-only buffers are rejected for reads.</li>
 *   <li>Writing after the peer closed throws {@link java.net.SocketException} "Broken pipe (EPIPE)"
 *       (never a signal).</li>
 *   <li>Thread-safe: any thread may call any method, {@link #close()} included (a call already in
 *       the kernel finishes on the old fd, never a recycled one). Concurrent reads, or concurrent
 *       writes, are not ordered with respect to each other.</li>
 *   <li>{@link #close()} is idempotent and removes the stream from any poll; every later call
 *       throws {@link java.nio.channels.ClosedChannelException} without reaching the kernel.</li>
 * </ul>
 */
public final class UnixStream extends IoSource
        implements ByteChannel, ScatteringByteChannel, GatheringByteChannel, AutoCloseable {
    private final FdHandle handle;

    UnixStream(FdHandle handle) {
        this.handle = handle;
        SourceHandles.bind(this, handle, true);
    }

    /**
     * Connects to the listener at {@code path}. A Unix connect completes at once: the stream is
     * writable immediately (up to the socket buffers) even before the peer accepts.
     *
     * @throws IllegalArgumentException if the path is empty, too long or contains NUL
     * @throws java.net.ConnectException if the file is a socket nobody listens on, or the
     *     listener's backlog is full
     * @throws IOException naming the path and ENOENT if no such file exists
     */
    public static UnixStream connect(Path path) throws IOException {
        return connect(UnixSocketAddress.of(path));
    }

    /** Connects to a listener at a path or abstract name; see {@link #connect(Path)}. */
    public static UnixStream connect(UnixSocketAddress address) throws IOException {
        UnixSockets.requireNamed(address, "connect to");
        return new UnixStream(UnixSockets.open(Linux.SOCK_STREAM, handle -> UnixSockets.connect(handle, address)));
    }

    /**
     * Two streams connected to each other ({@code socketpair}); both addresses are unnamed.
     *
     * @return an array of exactly two streams (in Kotlin: {@code val (a, b) = UnixStream.pair()})
     */
    public static UnixStream[] pair() throws IOException {
        FdHandle[] handles = UnixSockets.pair(Linux.SOCK_STREAM);
        return new UnixStream[] {new UnixStream(handles[0]), new UnixStream(handles[1])};
    }

    /**
     * Takes over a Unix stream socket made elsewhere, typically one received with
     * {@link #receiveWithFds}: makes it non-blocking (which the sender's copy shares) and
     * close-on-exec, and closes it with the returned stream. If this throws, the fd is untouched
     * and still yours.
     *
     * @throws IllegalArgumentException if {@code fd} is negative or not an open, non-listening
     *     Unix stream socket
     */
    public static UnixStream fromOwnedFd(int fd) throws IOException {
        return new UnixStream(UnixSockets.adopt(fd, Linux.SOCK_STREAM, false));
    }

    /** Reads into {@code dst}: bytes read, 0 if it would block, -1 at end of stream. */
    public int read(ByteBuffer dst) throws IOException {
        return FdIo.read(handle, dst);
    }

    /** Scattering read into all of {@code dsts}: bytes read, 0 if it would block, -1 at end of stream. */
    public long read(ByteBuffer[] dsts) throws IOException {
        return FdIo.read(handle, dsts, 0, dsts.length);
    }

    /**
     * Scattering read into {@code dsts[offset, offset + length)}.
     *
     * @throws IndexOutOfBoundsException if the range does not fit the array
     */
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        return FdIo.read(handle, dsts, offset, length);
    }

    /**
     * Reads into {@code dst[offset, offset + length)}: bytes read, 0 if it would block, -1 at end
     * of stream.
     *
     * @throws IndexOutOfBoundsException if the range does not fit the array
     */
    public int read(byte[] dst, int offset, int length) throws IOException {
        return FdIo.read(handle, ByteBuffer.wrap(dst, offset, length));
    }

    /** Writes from {@code src}: bytes written, 0 if it would block. */
    public int write(ByteBuffer src) throws IOException {
        return FdIo.write(handle, src);
    }

    /** Gathering write from all of {@code srcs}: bytes written, 0 if it would block. */
    public long write(ByteBuffer[] srcs) throws IOException {
        return FdIo.write(handle, srcs, 0, srcs.length);
    }

    /**
     * Gathering write from {@code srcs[offset, offset + length)}.
     *
     * @throws IndexOutOfBoundsException if the range does not fit the array
     */
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        return FdIo.write(handle, srcs, offset, length);
    }

    /**
     * Writes {@code src[offset, offset + length)}: bytes written, 0 if it would block.
     *
     * @throws IndexOutOfBoundsException if the range does not fit the array
     */
    public int write(byte[] src, int offset, int length) throws IOException {
        return FdIo.write(handle, ByteBuffer.wrap(src, offset, length));
    }

    /**
     * Sends bytes from {@code src} with copies of the fds of {@code sources} attached
     * ({@code SCM_RIGHTS}). The fds go with the first byte sent: a return of 0 sent neither bytes
     * nor fds, anything more sent them all, even if fewer bytes than {@code src.remaining()} went.
     * Each source is held open across the send, so a concurrent {@code close()} of one can never
     * send an unrelated fd that reused its number: the send then fails with
     * {@link java.nio.channels.ClosedChannelException}, or completes before the close takes effect.
     * The sources stay yours to close; the receiver gets its own duplicates, which share the open
     * file description (so its {@code O_NONBLOCK}): jmio's calls on a sent source are therefore
     * ordinary, never GC-blocking, native calls from then on. Passing a source
     * registered with a {@link io.jmio.Poll}? Deregister it before closing it: epoll drops a
     * registration only once every copy of the fd, the passed ones included, is closed.
     *
     * <pre>{@code
     * Pipe pipe = Pipe.open();
     * stream.sendWithFds(ByteBuffer.wrap(new byte[] {1}), pipe.receiver());
     * pipe.receiver().close(); // the peer now holds the only reading end
     * }</pre>
     *
     * @return bytes sent, or 0 if it would block
     * @throws IllegalArgumentException if {@code src} is empty or there are more than 64 sources
     * @throws java.nio.channels.ClosedChannelException if this stream or one of the sources is closed
     */
    public int sendWithFds(ByteBuffer src, IoSource... sources) throws IOException {
        return FdPassing.send(handle, src, sources);
    }

    /**
     * As {@link #sendWithFds(ByteBuffer, IoSource...)} with raw fd numbers, for fds the caller
     * owns and made outside jmio (a file, another library's socket). The caller must keep each
     * open until this returns: jmio cannot guard a number it does not own against a concurrent
     * close and reuse. For a jmio source's fd, pass the source instead of its {@code rawFd()}: only
     * then does jmio know that another process can change the fd's blocking mode.
     *
     * @return bytes sent, or 0 if it would block
     * @throws IllegalArgumentException if {@code src} is empty, {@code fds} holds a negative value
     *     or more than 64 entries
     */
    public int sendWithFds(ByteBuffer src, int[] fds) throws IOException {
        return FdPassing.send(handle, src, fds);
    }

    /**
     * Reads bytes into {@code dst} and any file descriptors sent with them into {@code fds}:
     * received fds fill {@code fds} from index 0, every other entry is set to -1. The fds are
     * yours (close them, or wrap them with {@code fromOwnedFd}) and close-on-exec. A read stops
     * where a new batch of fds begins, so fds always arrive with the first byte they were sent
     * with; a plain {@link #read(ByteBuffer)} of that byte discards (closes) them.
     *
     * <pre>{@code
     * int[] fds = new int[4];
     * int n = stream.receiveWithFds(buffer, fds);
     * if (fds[0] >= 0) { PipeReceiver receiver = PipeReceiver.fromOwnedFd(fds[0]); ... }
     * }</pre>
     *
     * @param fds room for 1 to 64 fds
     * @return bytes read, 0 if it would block, -1 at end of stream
     * @throws java.net.SocketException if more fds arrived than {@code fds} holds (or the process
     *     ran out of fd numbers): those that did arrive are closed, the bytes are in {@code dst}
     * @throws IllegalArgumentException if {@code dst} is read-only or full, or {@code fds} is
     *     empty or longer than 64
     */
    public int receiveWithFds(ByteBuffer dst, int[] fds) throws IOException {
        return FdPassing.receive(handle, dst, fds);
    }

    /** Shuts down reading, writing or both; the peer sees end of stream after a write shutdown. */
    public void shutdown(Shutdown how) throws IOException {
        UnixSockets.shutdown(handle, how);
    }

    /** This end's address: unnamed for a connecting client or a pair, the path for an accepted stream. */
    public UnixSocketAddress localAddress() throws IOException {
        return UnixSockets.localAddress(handle);
    }

    /** The peer's address: the listener's path or name for a client; usually unnamed for an accepted stream. */
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
    public <T> UnixStream setOption(SocketOption<T> option, T value) throws IOException {
        UnixSockets.setOption(handle, option, value);
        return this;
    }

    public <T> T getOption(SocketOption<T> option) throws IOException {
        return UnixSockets.getOption(handle, option);
    }

    /** Closes the stream; idempotent. */
    @Override
    public void close() {
        handle.close();
    }

    @Override
    public String toString() {
        return "UnixStream(fd " + handle.fdForDiagnostics() + (isOpen() ? ")" : ", closed)");
    }
}
