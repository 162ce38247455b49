package io.jmio.unix;

import io.jmio.IoSource;
import io.jmio.internal.FdHandle;
import io.jmio.internal.SourceHandles;
import io.jmio.internal.FdIo;
import io.jmio.internal.Fds;
import io.jmio.sys.Linux;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;

/**
 * The writing end of a {@link Pipe}.
 *
 * <pre>{@code
 * Pipe pipe = Pipe.open();
 * poll.registry().register(pipe.sender(), SENDER, Interest.WRITABLE);
 * int n = pipe.sender().write(buffer); // 0 when the pipe is full: wait for a writable event
 * }</pre>
 *
 * <p>Writes return the bytes written, or 0 when the pipe is full; writes of at most 4096 bytes
 * ({@code PIPE_BUF}) are atomic. Once the receiver is closed, writes throw
 * {@link java.net.SocketException} "Broken pipe (EPIPE)". Direct buffers go to the kernel as they
 * are; heap buffers and arrays are copied (at most 64 KiB per call). Thread-safe; {@link #close()}
 * is idempotent, removes this end from any poll and makes later calls throw
 * {@link java.nio.channels.ClosedChannelException}.
 */
public final class PipeSender extends IoSource implements GatheringByteChannel, AutoCloseable {
    private final FdHandle handle;

    PipeSender(FdHandle handle) {
        this.handle = handle;
        SourceHandles.bind(this, handle, true);
    }

    /**
     * Takes over the writing end of a pipe made elsewhere (received with
     * {@link UnixStream#receiveWithFds}, or inherited): makes it non-blocking (which other holders
     * of the same pipe end share) and close-on-exec, and closes it with the returned sender. If
     * this throws, the fd is untouched and still yours.
     *
     * @throws IllegalArgumentException if {@code fd} is negative, not open, not open for writing, or
     *     not a pipe or FIFO (a regular file, say, where non-blocking reads can still block)
     */
    public static PipeSender fromOwnedFd(int fd) throws IOException {
        int status = Fds.statusFlags(fd);
        if ((status & Linux.O_ACCMODE) == Linux.O_RDONLY) {
            throw new IllegalArgumentException("file descriptor " + fd + " is not open for writing");
        }
        Fds.requirePipe(fd);
        Fds.makeNonBlockingAndCloseOnExec(fd, status);
        return new PipeSender(new FdHandle(fd, true));
    }

    /** Writes from {@code src}: bytes written, 0 if the pipe is full. */
    public int write(ByteBuffer src) throws IOException {
        return FdIo.write(handle, src);
    }

    /** Gathering write from all of {@code srcs}: bytes written, 0 if the pipe is full. */
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
     * Writes {@code src[offset, offset + length)}: bytes written, 0 if the pipe is full.
     *
     * @throws IndexOutOfBoundsException if the range does not fit the array
     */
    public int write(byte[] src, int offset, int length) throws IOException {
        return FdIo.write(handle, ByteBuffer.wrap(src, offset, length));
    }

    /** Closes this end (idempotent): the receiver reads end of stream once drained. */
    @Override
    public void close() {
        handle.close();
    }

    @Override
    public String toString() {
        return "PipeSender(fd " + handle.fdForDiagnostics() + (isOpen() ? ")" : ", closed)");
    }
}
