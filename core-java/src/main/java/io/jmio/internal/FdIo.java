package io.jmio.internal;

import io.jmio.sys.BufferScopes;
import io.jmio.sys.Errno;
import io.jmio.sys.Layout;
import io.jmio.sys.Linux;
import io.jmio.sys.Scratch;
import io.jmio.sys.Syscalls;
import java.io.IOException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Non-blocking reads and writes on an fd with NIO's conventions, shared by every stream type.
 * Internal.
 *
 * <p>Results: bytes transferred; 0 when the operation would block (or nothing was asked for);
 * -1 for end of stream on reads. EINTR is retried; EAGAIN never surfaces as an exception.
 *
 * <p>Safety: every call reads a buffer's position and limit once, clamps the length to
 * {@code max(0, limit - position)} and derives the native range from those two values alone, as
 * the JDK's {@code IOUtil} does: NIO keeps both within the capacity, so however another thread
 * moves them meanwhile, the kernel is only handed memory inside the buffer. Only the memory of
 * plain direct buffers goes to the kernel as it is (see {@link BufferAddressCache}); heap buffers
 * and views of closeable arenas are copied through the thread's {@link Scratch} bounce buffer,
 * in Java, where the JDK checks every access.
 */
public final class FdIo {
    private FdIo() {}

    /** Reads into {@code dst} from its position: bytes read, 0 if it would block, -1 at end of stream. */
    public static int read(FdHandle handle, ByteBuffer dst) throws IOException {
        return receive(handle, dst, 0, "read");
    }

    /**
     * Like {@link #read} with {@code recv} flags ({@code MSG_PEEK} leaves the data queued).
     * {@code operation} names the call in exception messages.
     */
    public static int receive(FdHandle handle, ByteBuffer dst, int flags, String operation) throws IOException {
        requireWritable(dst);
        int position = dst.position();
        int length = remaining(dst, position);
        if (length == 0) {
            return 0;
        }
        int fd = handle.acquire();
        try {
            Syscalls sys = handle.sys();
            long direct = handle.reads.addressOf(dst);
            if (direct == 0) {
                BufferScopes.requireAccessible(dst, position);
            }
            long address = direct != 0 ? direct + position : Scratch.get().bounceAddress();
            int chunk = direct != 0 ? length : Math.min(length, Scratch.BOUNCE_SIZE);
            long n;
            do {
                n = flags == 0 ? sys.read(fd, address, chunk) : sys.recvfrom(fd, address, chunk, flags, 0, 0);
            } while (n == -Errno.EINTR);
            if (n > 0) {
                received(dst, position, (int) n, direct == 0 ? Scratch.get().bounce() : null);
            }
            return readResult(n, operation);
        } finally {
            handle.release();
        }
    }

    /** Writes from {@code src}'s position: bytes written, 0 if it would block. */
    public static int write(FdHandle handle, ByteBuffer src) throws IOException {
        int position = src.position();
        int length = remaining(src, position);
        if (length == 0) {
            return 0;
        }
        int fd = handle.acquire();
        try {
            long direct = handle.writes.addressOf(src);
            long address;
            int chunk;
            if (direct != 0) {
                address = direct + position;
                chunk = length;
            } else {
                Scratch scratch = Scratch.get();
                chunk = Math.min(length, Scratch.BOUNCE_SIZE);
                copyInto(scratch.bounce(), src, position, chunk);
                address = scratch.bounceAddress();
            }
            Syscalls sys = handle.sys();
            long n;
            do {
                n = sys.write(fd, address, chunk);
            } while (n == -Errno.EINTR);
            if (n > 0) {
                ((Buffer) src).position(position + (int) n);
            }
            return writeResult(n, "write");
        } finally {
            handle.release();
        }
    }

    /**
     * One non-blocking {@code splice} of up to {@code length} bytes from {@code from} to {@code to},
     * one of which is a pipe: bytes moved, 0 if it would block, -1 at the source's end of stream,
     * {@code -ENOSYS}-style {@link #SPLICE_UNSUPPORTED} where the backend or the fds cannot splice.
     * Critical (FFM) only if both fds are jmio's own non-blocking ones.
     */
    public static long splice(FdHandle from, FdHandle to, long length) throws IOException {
        int in = from.acquire();
        try {
            int out = to.acquire();
            try {
                Syscalls sys = from.sys();
                if (to.sys() != sys) {
                    sys = sys.forForeignFds();
                }
                long n;
                do {
                    n = sys.splice(in, 0, out, 0, length, Linux.SPLICE_F_MOVE | Linux.SPLICE_F_NONBLOCK);
                } while (n == -Errno.EINTR);
                if (n == -Errno.ENOSYS || n == -Errno.EINVAL) {
                    return SPLICE_UNSUPPORTED;
                }
                if (n > 0) {
                    return n;
                }
                if (n == 0) {
                    return -1;
                }
                if (n == -Errno.EAGAIN) {
                    return 0;
                }
                throw Errno.exception("splice", (int) -n);
            } finally {
                to.release();
            }
        } finally {
            from.release();
        }
    }

    /** What {@link #splice} returns where splicing is impossible: callers copy instead. */
    public static final long SPLICE_UNSUPPORTED = Long.MIN_VALUE;

    /**
     * The address of {@code buffer}'s index 0 if the kernel may use its memory as it is, or 0 if a
     * call must copy it: a heap buffer, or a view of a closeable arena ({@link BufferScopes}).
     * Uncached; a fd's usual buffers go through its {@link FdHandle}'s caches instead.
     */
    public static long kernelAddress(ByteBuffer buffer) {
        return !buffer.isDirect() || BufferScopes.closeable(buffer) ? 0 : Syscalls.INSTANCE.address(buffer);
    }

    /**
     * The bytes between {@code position} (the buffer's, read once by the caller) and the buffer's
     * limit, read once here; never negative, even if another thread lowered the limit meanwhile.
     */
    public static int remaining(ByteBuffer buffer, int position) {
        int limit = buffer.limit();
        return limit > position ? limit - position : 0;
    }

    /**
     * Completes a read of {@code n} bytes at {@code position}: moves the position past them, first
     * copying them from {@code copy} (filled from its index 0) when the kernel wrote there instead
     * of into {@code dst}. The copy is NIO's, bounds-checked against dst as it is now.
     */
    public static void received(ByteBuffer dst, int position, int n, ByteBuffer copy) {
        if (copy == null) {
            ((Buffer) dst).position(position + n);
            return;
        }
        ((Buffer) copy).clear();
        ((Buffer) copy).limit(n);
        ((Buffer) dst).position(position);
        dst.put(copy);
    }

    /**
     * Reads into {@code dst[offset, offset + length)} through the thread's bounce buffer (at most
     * {@link Scratch#BOUNCE_SIZE} bytes per call): bytes read, 0 if it would block, -1 at end of stream.
     *
     * @throws IndexOutOfBoundsException if offset and length do not fit the array
     */
    public static int read(FdHandle handle, byte[] dst, int offset, int length) throws IOException {
        checkRange(dst, offset, length);
        if (length == 0) {
            return 0;
        }
        int fd = handle.acquire();
        try {
            Scratch scratch = Scratch.get();
            Syscalls sys = handle.sys();
            long n;
            do {
                n = sys.read(fd, scratch.bounceAddress(), Math.min(length, Scratch.BOUNCE_SIZE));
            } while (n == -Errno.EINTR);
            if (n > 0) {
                ByteBuffer bounce = scratch.bounce();
                ((Buffer) bounce).clear();
                bounce.get(dst, offset, (int) n);
            }
            return readResult(n, "read");
        } finally {
            handle.release();
        }
    }

    /**
     * Writes {@code src[offset, offset + length)} through the thread's bounce buffer (at most
     * {@link Scratch#BOUNCE_SIZE} bytes per call): bytes written, 0 if it would block.
     *
     * @throws IndexOutOfBoundsException if offset and length do not fit the array
     */
    public static int write(FdHandle handle, byte[] src, int offset, int length) throws IOException {
        checkRange(src, offset, length);
        if (length == 0) {
            return 0;
        }
        int fd = handle.acquire();
        try {
            Scratch scratch = Scratch.get();
            int chunk = Math.min(length, Scratch.BOUNCE_SIZE);
            ByteBuffer bounce = scratch.bounce();
            ((Buffer) bounce).clear();
            bounce.put(src, offset, chunk);
            Syscalls sys = handle.sys();
            long n;
            do {
                n = sys.write(fd, scratch.bounceAddress(), chunk);
            } while (n == -Errno.EINTR);
            return writeResult(n, "write");
        } finally {
            handle.release();
        }
    }

    /**
     * Scattering read ({@code readv}) into {@code dsts[offset, offset + length)}: total bytes read,
     * 0 if it would block, -1 at end of stream.
     *
     * @throws IndexOutOfBoundsException if offset and length do not fit the array
     */
    public static long read(FdHandle handle, ByteBuffer[] dsts, int offset, int length) throws IOException {
        checkRange(dsts, offset, length);
        for (int i = offset; i < offset + length; i++) {
            requireWritable(Objects.requireNonNull(dsts[i], "buffer"));
        }
        int count = fillIovecs(dsts, offset, length);
        if (count < 0) {
            return readOneByOne(handle, dsts, offset, length);
        }
        if (count == 0) {
            return 0;
        }
        int fd = handle.acquire();
        try {
            Syscalls sys = handle.sys();
            long n;
            do {
                n = sys.readv(fd, Scratch.get().iovecsAddress(), count);
            } while (n == -Errno.EINTR);
            if (n > 0) {
                advance(dsts, offset, count, n);
            }
            return readResult(n, "readv");
        } finally {
            handle.release();
        }
    }

    /**
     * Gathering write ({@code writev}) from {@code srcs[offset, offset + length)}: total bytes
     * written, 0 if it would block.
     *
     * @throws IndexOutOfBoundsException if offset and length do not fit the array
     */
    public static long write(FdHandle handle, ByteBuffer[] srcs, int offset, int length) throws IOException {
        checkRange(srcs, offset, length);
        for (int i = offset; i < offset + length; i++) {
            Objects.requireNonNull(srcs[i], "buffer");
        }
        int count = fillIovecs(srcs, offset, length);
        if (count < 0) {
            return writeOneByOne(handle, srcs, offset, length);
        }
        if (count == 0) {
            return 0;
        }
        int fd = handle.acquire();
        try {
            Syscalls sys = handle.sys();
            long n;
            do {
                n = sys.writev(fd, Scratch.get().iovecsAddress(), count);
            } while (n == -Errno.EINTR);
            if (n > 0) {
                advance(srcs, offset, count, n);
            }
            return writeResult(n, "writev");
        } finally {
            handle.release();
        }
    }

    /**
     * Copies {@code src[position, position + length)} into {@code copy} from its index 0, leaving
     * src's position at {@code position}: the write half of every call that copies. {@code position
     * + length} must not exceed the limit the caller read.
     */
    public static void copyInto(ByteBuffer copy, ByteBuffer src, int position, int length) {
        ((Buffer) copy).clear();
        if (src.hasArray()) {
            copy.put(src.array(), src.arrayOffset() + position, length);
            return;
        }
        // A read-only heap buffer or an arena's view: NIO checks the bounds (and the arena) here.
        int limit = src.limit();
        ((Buffer) src).position(position);
        ((Buffer) src).limit(position + length);
        copy.put(src);
        ((Buffer) src).limit(limit);
        ((Buffer) src).position(position);
    }

    /** Maps a read's raw result: n > 0 as is, 0 (EOF) to -1, EAGAIN to 0, other errors to exceptions. */
    public static int readResult(long n, String operation) throws IOException {
        if (n > 0) {
            return (int) n;
        }
        if (n == 0) {
            return -1;
        }
        if (n == -Errno.EAGAIN) {
            return 0;
        }
        throw Errno.exception(operation, (int) -n);
    }

    /** Maps a write's raw result: n >= 0 as is, EAGAIN to 0, other errors to exceptions. */
    public static int writeResult(long n, String operation) throws IOException {
        if (n >= 0) {
            return (int) n;
        }
        if (n == -Errno.EAGAIN) {
            return 0;
        }
        throw Errno.exception(operation, (int) -n);
    }

    /** @throws IllegalArgumentException for a read-only buffer, which a read must not fill */
    public static void requireWritable(ByteBuffer dst) {
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("read-only buffer");
        }
    }

    /** @throws IndexOutOfBoundsException unless {@code [offset, offset + length)} lies within the array */
    public static void checkRange(ByteBuffer[] buffers, int offset, int length) {
        Objects.requireNonNull(buffers, "buffers");
        if (offset < 0 || length < 0 || offset > buffers.length - length) {
            throw new IndexOutOfBoundsException(
                    "offset " + offset + ", length " + length + ", array length " + buffers.length);
        }
    }

    /** @throws IndexOutOfBoundsException unless {@code [offset, offset + length)} lies within the array */
    public static void checkRange(byte[] bytes, int offset, int length) {
        Objects.requireNonNull(bytes, "bytes");
        if (offset < 0 || length < 0 || offset > bytes.length - length) {
            throw new IndexOutOfBoundsException(
                    "offset " + offset + ", length " + length + ", array length " + bytes.length);
        }
    }

    /**
     * Writes one iovec per buffer (at most IOV_MAX, empty ones included, so entry k is buffer
     * {@code offset + k}) into scratch, each from one read of position and limit. Returns the
     * count, 0 if there is nothing to transfer, or -1 if some buffer must be copied instead (a heap
     * buffer, or a view of a closeable arena).
     */
    private static int fillIovecs(ByteBuffer[] buffers, int offset, int length) {
        ByteBuffer iov = Scratch.get().iovecs();
        int count = Math.min(length, Linux.IOV_MAX);
        long total = 0;
        for (int k = 0; k < count; k++) {
            ByteBuffer b = buffers[offset + k];
            long address = kernelAddress(b);
            if (address == 0) {
                return -1;
            }
            int position = b.position();
            int remaining = remaining(b, position);
            int at = k * Layout.IOVEC_SIZE;
            iov.putLong(at + Layout.IOVEC_BASE, address + position);
            iov.putLong(at + Layout.IOVEC_LEN, remaining);
            total += remaining;
        }
        return total == 0 ? 0 : count;
    }

    /** Moves each buffer's position past its share of {@code transferred}, by the lengths in the iovecs. */
    private static void advance(ByteBuffer[] buffers, int offset, int count, long transferred) {
        ByteBuffer iov = Scratch.get().iovecs();
        for (int k = 0; k < count && transferred > 0; k++) {
            ByteBuffer b = buffers[offset + k];
            int step = (int) Math.min(iov.getLong(k * Layout.IOVEC_SIZE + Layout.IOVEC_LEN), transferred);
            ((Buffer) b).position(b.position() + step);
            transferred -= step;
        }
    }

    private static long readOneByOne(FdHandle handle, ByteBuffer[] dsts, int offset, int length) throws IOException {
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            ByteBuffer dst = dsts[i];
            if (!dst.hasRemaining()) {
                continue;
            }
            int wanted = dst.remaining();
            int n = read(handle, dst);
            if (n < 0) {
                return total == 0 ? -1 : total;
            }
            total += n;
            if (n < wanted) {
                break;
            }
        }
        return total;
    }

    private static long writeOneByOne(FdHandle handle, ByteBuffer[] srcs, int offset, int length) throws IOException {
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            ByteBuffer src = srcs[i];
            if (!src.hasRemaining()) {
                continue;
            }
            int wanted = src.remaining();
            int n = write(handle, src);
            total += n;
            if (n < wanted) {
                break;
            }
        }
        return total;
    }
}
