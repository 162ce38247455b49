package io.jmio.internal;

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
 * <p>Safety: a buffer's position and limit are bounded by its capacity (NIO enforces that), so
 * {@code address + position} with {@code remaining()} bytes never leaves the buffer. Direct buffers
 * go to the kernel as they are; heap buffers are copied through the thread's {@link Scratch}.
 */
public final class FdIo {
    private FdIo() {}

    private static final Syscalls SYS = Syscalls.INSTANCE;

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
        int wanted = dst.limit() - position;
        if (wanted == 0) {
            return 0;
        }
        int fd = handle.acquire();
        try {
            long n;
            if (dst.isDirect()) {
                long address = handle.reads.addressOf(dst) + position;
                do {
                    n = flags == 0 ? SYS.read(fd, address, wanted) : SYS.recvfrom(fd, address, wanted, flags, 0, 0);
                } while (n == -Errno.EINTR);
                if (n > 0) {
                    ((Buffer) dst).position(position + (int) n);
                }
            } else {
                Scratch scratch = Scratch.get();
                int chunk = Math.min(wanted, Scratch.BOUNCE_SIZE);
                long address = scratch.bounceAddress();
                do {
                    n = flags == 0 ? SYS.read(fd, address, chunk) : SYS.recvfrom(fd, address, chunk, flags, 0, 0);
                } while (n == -Errno.EINTR);
                if (n > 0) {
                    ByteBuffer bounce = scratch.bounce();
                    ((Buffer) bounce).clear();
                    ((Buffer) bounce).limit((int) n);
                    dst.put(bounce);
                }
            }
            return readResult(n, operation);
        } finally {
            handle.release();
        }
    }

    /** Writes from {@code src}'s position: bytes written, 0 if it would block. */
    public static int write(FdHandle handle, ByteBuffer src) throws IOException {
        int position = src.position();
        int wanted = src.limit() - position;
        if (wanted == 0) {
            return 0;
        }
        int fd = handle.acquire();
        try {
            long n;
            if (src.isDirect()) {
                long address = handle.writes.addressOf(src) + position;
                do {
                    n = SYS.write(fd, address, wanted);
                } while (n == -Errno.EINTR);
                if (n > 0) {
                    ((Buffer) src).position(position + (int) n);
                }
            } else {
                Scratch scratch = Scratch.get();
                int chunk = Math.min(wanted, Scratch.BOUNCE_SIZE);
                copyInto(scratch.bounce(), src, chunk);
                do {
                    n = SYS.write(fd, scratch.bounceAddress(), chunk);
                } while (n == -Errno.EINTR);
                if (n > 0) {
                    ((Buffer) src).position(position + (int) n);
                }
            }
            return writeResult(n, "write");
        } finally {
            handle.release();
        }
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
            long n;
            do {
                n = SYS.read(fd, scratch.bounceAddress(), Math.min(length, Scratch.BOUNCE_SIZE));
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
            long n;
            do {
                n = SYS.write(fd, scratch.bounceAddress(), chunk);
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
        if (!allDirect(dsts, offset, length)) {
            return readOneByOne(handle, dsts, offset, length);
        }
        int count = fillIovecs(dsts, offset, length);
        if (count == 0) {
            return 0;
        }
        int fd = handle.acquire();
        try {
            long n;
            do {
                n = SYS.readv(fd, Scratch.get().iovecsAddress(), count);
            } while (n == -Errno.EINTR);
            if (n > 0) {
                advance(dsts, offset, length, n);
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
        if (!allDirect(srcs, offset, length)) {
            return writeOneByOne(handle, srcs, offset, length);
        }
        int count = fillIovecs(srcs, offset, length);
        if (count == 0) {
            return 0;
        }
        int fd = handle.acquire();
        try {
            long n;
            do {
                n = SYS.writev(fd, Scratch.get().iovecsAddress(), count);
            } while (n == -Errno.EINTR);
            if (n > 0) {
                advance(srcs, offset, length, n);
            }
            return writeResult(n, "writev");
        } finally {
            handle.release();
        }
    }

    /**
     * Copies {@code length} bytes from {@code src}'s position into {@code bounce} (cleared first),
     * leaving src's position as it was: the heap-buffer half of any write that bounces.
     */
    public static void copyInto(ByteBuffer bounce, ByteBuffer src, int length) {
        int position = src.position();
        int limit = src.limit();
        ((Buffer) bounce).clear();
        ((Buffer) src).limit(position + length);
        bounce.put(src);
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

    private static boolean allDirect(ByteBuffer[] buffers, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            if (!buffers[i].isDirect()) {
                return false;
            }
        }
        return true;
    }

    /** Writes one iovec per non-empty buffer (at most IOV_MAX) into scratch; returns the count. */
    private static int fillIovecs(ByteBuffer[] buffers, int offset, int length) {
        ByteBuffer iov = Scratch.get().iovecs();
        int count = 0;
        for (int i = offset; i < offset + length && count < Linux.IOV_MAX; i++) {
            ByteBuffer b = buffers[i];
            int remaining = b.remaining();
            if (remaining == 0) {
                continue;
            }
            int at = count * Layout.IOVEC_SIZE;
            iov.putLong(at + Layout.IOVEC_BASE, SYS.address(b) + b.position());
            iov.putLong(at + Layout.IOVEC_LEN, remaining);
            count++;
        }
        return count;
    }

    private static void advance(ByteBuffer[] buffers, int offset, int length, long transferred) {
        for (int i = offset; i < offset + length && transferred > 0; i++) {
            ByteBuffer b = buffers[i];
            int step = (int) Math.min(b.remaining(), transferred);
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
