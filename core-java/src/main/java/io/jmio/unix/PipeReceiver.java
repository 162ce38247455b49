package io.jmio.unix;

import io.jmio.IoSource;
import io.jmio.internal.FdHandle;
import io.jmio.internal.SourceHandles;
import io.jmio.internal.FdIo;
import io.jmio.internal.Fds;
import io.jmio.sys.Linux;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ScatteringByteChannel;

/**
 * The reading end of a {@link Pipe}.
 *
 * <pre>{@code
 * Pipe pipe = Pipe.open();
 * poll.registry().register(pipe.receiver(), RECEIVER, Interest.READABLE);
 * // on a readable event: read until 0 (empty for now) or -1 (sender closed and pipe drained)
 * int n;
 * while ((n = pipe.receiver().read(buffer)) > 0) { ... }
 * }</pre>
 *
 * <p>Reads return the bytes read, 0 when the pipe is empty, -1 once every sender is closed and
 * the pipe is drained. Direct buffers go to the kernel as they are; heap buffers and arrays are
 * copied (at most 64 KiB per call); read-only buffers are rejected. Thread-safe; {@link #close()}
 * is idempotent, removes this end from any poll and makes later calls throw
 * {@link java.nio.channels.ClosedChannelException}.
 */
public final class PipeReceiver extends IoSource implements ScatteringByteChannel, AutoCloseable {
    private final FdHandle handle;

    PipeReceiver(FdHandle handle) {
        this.handle = handle;
        SourceHandles.bind(this, handle, true);
    }

    /**
     * Takes over the reading end of a pipe made elsewhere (received with
     * {@link UnixStream#receiveWithFds}, or inherited): makes it non-blocking (which other holders
     * of the same pipe end share) and close-on-exec, and closes it with the returned receiver. If
     * this throws, the fd is untouched and still yours.
     *
     * @throws IllegalArgumentException if {@code fd} is negative, not open, not open for reading, or
     *     not a pipe or FIFO (a regular file, say, where non-blocking reads can still block)
     */
    public static PipeReceiver fromOwnedFd(int fd) throws IOException {
        int status = Fds.statusFlags(fd);
        if ((status & Linux.O_ACCMODE) == Linux.O_WRONLY) {
            throw new IllegalArgumentException("file descriptor " + fd + " is not open for reading");
        }
        Fds.requirePipe(fd);
        Fds.makeNonBlockingAndCloseOnExec(fd, status);
        return new PipeReceiver(new FdHandle(fd, true));
    }

    /** Reads into {@code dst}: bytes read, 0 if the pipe is empty, -1 once the sender is closed and the pipe drained. */
    public int read(ByteBuffer dst) throws IOException {
        return FdIo.read(handle, dst);
    }

    /** Scattering read into all of {@code dsts}: bytes read, 0 if empty, -1 at end of stream. */
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
     * Reads into {@code dst[offset, offset + length)}: bytes read, 0 if empty, -1 at end of stream.
     *
     * @throws IndexOutOfBoundsException if the range does not fit the array
     */
    public int read(byte[] dst, int offset, int length) throws IOException {
        return FdIo.read(handle, ByteBuffer.wrap(dst, offset, length));
    }

    /** Closes this end (idempotent): the sender's writes then fail with "Broken pipe". */
    @Override
    public void close() {
        handle.close();
    }

    @Override
    public String toString() {
        return "PipeReceiver(fd " + handle.fdForDiagnostics() + (isOpen() ? ")" : ", closed)");
    }
}
