package io.jmio.net;

import io.jmio.internal.FdHandle;
import io.jmio.internal.FdIo;
import io.jmio.internal.Fds;
import java.io.IOException;
import java.net.SocketException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;

/**
 * Moves bytes from one {@link TcpStream} to another without copying them through the JVM: each
 * {@link #receive} {@code splice(2)}s what the source has into a kernel pipe, and each
 * {@link #send} splices it on to the sink, as haproxy and Netty's epoll transport do for proxies.
 * Where the backend cannot splice, the same calls copy through a direct buffer instead
 * ({@link #isZeroCopy()} tells which); {@link #openCopying} asks for that explicitly.
 *
 * <p>One direction per splicer, and fill-then-drain: {@link #receive} only when nothing is
 * {@link #pending()}, then {@link #send} until nothing is. That keeps a 0 unambiguous (the source
 * is empty, or the sink is full) and makes a slow sink slow the source down through TCP flow
 * control: a splicer never holds more than one pipe (or buffer) of bytes. Edge-triggered, like
 * every jmio source:
 *
 * <pre>{@code
 * // on every readable event of source and writable event of sink:
 * for (;;) {
 *     if (splicer.pending() == 0) {
 *         long n = splicer.receive(source);
 *         if (n < 0) { sink.shutdown(Shutdown.WRITE); break; } // the source ended: pass it on
 *         if (n == 0) break;                                    // wait until source is readable
 *     }
 *     splicer.send(sink);
 *     if (splicer.pending() > 0) break;                         // wait until sink is writable
 * }
 * }</pre>
 *
 * <p>Not thread-safe: one thread uses a splicer at a time; {@link #close()} may come from any
 * thread, is idempotent, and discards what is pending. A splicer owns two pipe fds (close-on-exec)
 * and nothing else; the streams stay the caller's. Steady-state calls allocate nothing.
 */
public final class Splicer implements AutoCloseable {
    /** The most one receive asks the kernel for; the pipe's room caps it anyway (64 KiB by default). */
    private static final long MAX_RECEIVE = 1 << 20;
    /** The copying fallback's buffer: one pipe's worth, as the kernel sizes pipes by default. */
    private static final int DEFAULT_COPY_BUFFER = 64 * 1024;

    /** The pipe's ends; null for a copying splicer, closed once one falls back to copying. */
    private final FdHandle pipeReader;
    private final FdHandle pipeWriter;
    /** Non-null once copying. */
    private ByteBuffer copyBuffer;
    private final int copyBufferSize;
    private long pending;
    private volatile boolean closed;

    private Splicer(FdHandle pipeReader, FdHandle pipeWriter, int copyBufferSize) {
        this.pipeReader = pipeReader;
        this.pipeWriter = pipeWriter;
        this.copyBufferSize = copyBufferSize;
        if (pipeReader == null) {
            copyBuffer = ByteBuffer.allocateDirect(copyBufferSize);
        }
    }

    /** A splicer over a new non-blocking, close-on-exec pipe. */
    public static Splicer open() throws IOException {
        int[] fds = Fds.pipe();
        return new Splicer(new FdHandle(fds[0]), new FdHandle(fds[1]), DEFAULT_COPY_BUFFER);
    }

    /**
     * A splicer that copies through a direct buffer of {@code bufferSize} bytes instead of a pipe:
     * the fallback, on request (to compare the two, or to bound what one transfer holds).
     *
     * @throws IllegalArgumentException if {@code bufferSize} is not positive
     */
    public static Splicer openCopying(int bufferSize) {
        if (bufferSize <= 0) {
            throw new IllegalArgumentException("buffer size must be positive: " + bufferSize);
        }
        return new Splicer(null, null, bufferSize);
    }

    /** Whether bytes move through a kernel pipe (true) or are copied through a buffer (false). */
    public boolean isZeroCopy() {
        return copyBuffer == null;
    }

    /** The bytes received and not yet sent. */
    public long pending() {
        return pending;
    }

    /**
     * Takes what {@code source} has, up to one pipe (or buffer) full, without blocking: the
     * number of bytes taken, 0 if the source has none now, or -1 at its end of stream.
     *
     * @throws IllegalStateException if bytes are still {@link #pending()}: send them first
     * @throws ClosedChannelException if this splicer or the source is closed
     */
    public long receive(TcpStream source) throws IOException {
        ensureOpen();
        if (pending != 0) {
            throw new IllegalStateException("send the " + pending + " pending bytes before receiving more");
        }
        if (copyBuffer == null) {
            long n = FdIo.splice(source.fdHandle(), pipeWriter, MAX_RECEIVE);
            if (n != FdIo.SPLICE_UNSUPPORTED) {
                pending = Math.max(n, 0);
                return n;
            }
            copyFromNowOn(); // the pipe is empty: nothing is lost
        }
        ((Buffer) copyBuffer).clear(); // through Buffer: Java 8 and Android have no ByteBuffer.clear()
        int n = source.read(copyBuffer);
        ((Buffer) copyBuffer).flip();
        pending = Math.max(n, 0);
        return n;
    }

    /**
     * Gives {@code sink} as much of what is pending as it takes without blocking: the number of
     * bytes sent, 0 if the sink is full (or nothing is pending).
     *
     * @throws ClosedChannelException if this splicer or the sink is closed
     * @throws SocketException if the sink's connection is broken or reset
     */
    public long send(TcpStream sink) throws IOException {
        ensureOpen();
        if (pending == 0) {
            return 0;
        }
        long n;
        if (copyBuffer == null) {
            n = FdIo.splice(pipeReader, sink.fdHandle(), pending);
            if (n < 0) {
                // The pipe holds `pending` bytes and has a writer: only a sink that cannot take a splice gets here.
                throw new SocketException("splice to " + sink + " failed with " + pending + " bytes pending");
            }
        } else {
            n = sink.write(copyBuffer);
        }
        pending -= n;
        return n;
    }

    private void copyFromNowOn() {
        copyBuffer = ByteBuffer.allocateDirect(copyBufferSize);
        pipeReader.close();
        pipeWriter.close();
    }

    private void ensureOpen() throws ClosedChannelException {
        if (closed) {
            throw new ClosedChannelException();
        }
    }

    /** Closes the pipe, discarding what is pending. Idempotent; any thread. */
    @Override
    public void close() {
        closed = true;
        if (pipeReader != null) {
            pipeReader.close(); // idempotent, and safe against a splice in flight on another thread
            pipeWriter.close();
        }
    }

    @Override
    public String toString() {
        return "Splicer(" + (isZeroCopy() ? "pipe" : "copying") + ", " + pending + " pending"
                + (closed ? ", closed)" : ")");
    }
}
