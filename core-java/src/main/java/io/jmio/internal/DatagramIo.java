package io.jmio.internal;

import io.jmio.sys.BufferScopes;
import io.jmio.sys.Errno;
import io.jmio.sys.Linux;
import io.jmio.sys.Scratch;
import io.jmio.sys.Syscalls;
import java.io.IOException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * One datagram per call ({@code sendto}/{@code recvfrom}), for UDP and Unix datagram sockets.
 * Internal.
 *
 * <p>A datagram of length 0 is a real datagram, so "would block" is -1 here, never 0. Addresses
 * live in the calling thread's {@link Scratch}: encode the destination at {@link Scratch#ADDRESS}
 * before {@link #send}; after {@link #receive} the sender is there, its length at {@link
 * Scratch#ADDRESS_LENGTH}. Errors map through {@link Errno#datagramException}, so a refused
 * datagram is a {@link java.net.PortUnreachableException}. EINTR is retried.
 *
 * <p>Buffers follow {@link FdIo}'s rules: position and limit read once, and only plain direct
 * buffers handed to the kernel as they are. The others are copied through the thread's bounce
 * buffer; a datagram is never split, so one larger than {@link Scratch#BOUNCE_SIZE} goes through a
 * temporary direct buffer of its own size instead: a rare path, and the only one here that
 * allocates (UDP's payload limit, 65,507 bytes, fits the bounce buffer).
 */
public final class DatagramIo {
    private DatagramIo() {}

    /** What {@link #send} and {@link #receive} return when the operation would block. */
    public static final int WOULD_BLOCK = -1;

    /**
     * Sends {@code src}'s remaining bytes as one datagram to the address encoded in scratch
     * ({@code addressLength} bytes), or to the connected peer when {@code addressLength} is 0.
     * Returns the bytes sent (all of them), or {@link #WOULD_BLOCK}.
     */
    public static int send(FdHandle handle, ByteBuffer src, int addressLength, String operation) throws IOException {
        return send(handle, src, addressLength, operation, true);
    }

    /**
     * As {@link #send(FdHandle, ByteBuffer, int, String)}; {@code inet} picks the errno mapping:
     * for IP a refused datagram is {@link java.net.PortUnreachableException}, for Unix sockets (no
     * socket at the address) a {@link java.net.ConnectException}.
     */
    public static int send(FdHandle handle, ByteBuffer src, int addressLength, String operation, boolean inet)
            throws IOException {
        Objects.requireNonNull(src, "buffer");
        int position = src.position();
        int length = FdIo.remaining(src, position);
        int fd = handle.acquire();
        try {
            Scratch scratch = Scratch.get();
            long to = addressLength == 0 ? 0 : scratch.address + Scratch.ADDRESS;
            long direct = handle.writes.addressOf(src);
            ByteBuffer temporary = null;
            long data;
            if (direct != 0) {
                data = direct + position;
            } else if (length <= Scratch.BOUNCE_SIZE) {
                FdIo.copyInto(scratch.bounce(), src, position, length);
                data = scratch.bounceAddress();
            } else {
                temporary = ByteBuffer.allocateDirect(length);
                FdIo.copyInto(temporary, src, position, length);
                data = Syscalls.INSTANCE.address(temporary);
                // Nothing reads it after the call and its address is no reference: unpinned, a GC
                // during sendto could run its cleaner while the kernel still reads the memory.
                scratch.pin(temporary);
            }
            Syscalls sys = handle.sys();
            long n;
            try {
                do {
                    n = sys.sendto(fd, data, length, Linux.MSG_NOSIGNAL, to, addressLength);
                } while (n == -Errno.EINTR);
            } finally {
                if (temporary != null) {
                    scratch.pin(null);
                }
            }
            if (n < 0) {
                return failure(n, operation, inet);
            }
            ((Buffer) src).position(position + (int) n);
            return (int) n;
        } finally {
            handle.release();
        }
    }

    /**
     * Receives one datagram into {@code dst} from its position; bytes beyond its remaining space
     * are discarded. Returns the bytes stored (0 for an empty datagram), or {@link #WOULD_BLOCK}.
     * With {@code wantAddress} the sender's address is left in scratch. {@code flags} are
     * {@code recv} flags such as {@link Linux#MSG_PEEK}.
     *
     * @throws IllegalArgumentException for a read-only buffer
     */
    public static int receive(FdHandle handle, ByteBuffer dst, int flags, boolean wantAddress, String operation)
            throws IOException {
        return receive(handle, dst, flags, wantAddress, operation, true);
    }

    /** As {@link #receive(FdHandle, ByteBuffer, int, boolean, String)} with the errno mapping {@code inet} picks. */
    public static int receive(FdHandle handle, ByteBuffer dst, int flags, boolean wantAddress, String operation,
            boolean inet) throws IOException {
        FdIo.requireWritable(Objects.requireNonNull(dst, "buffer"));
        int position = dst.position();
        int length = FdIo.remaining(dst, position);
        int fd = handle.acquire();
        try {
            Scratch scratch = Scratch.get();
            long from = 0;
            long fromLength = 0;
            if (wantAddress) {
                scratch.buffer.putInt(Scratch.ADDRESS_LENGTH, Scratch.ADDRESS_LENGTH - Scratch.ADDRESS);
                from = scratch.address + Scratch.ADDRESS;
                fromLength = scratch.address + Scratch.ADDRESS_LENGTH;
            }
            long direct = handle.reads.addressOf(dst);
            if (direct == 0 && length > 0) {
                BufferScopes.requireAccessible(dst, position);
            }
            ByteBuffer copy = direct != 0 ? null : copyBuffer(scratch, length);
            long data = copy == null ? direct + position
                    : copy == scratch.bounce() ? scratch.bounceAddress() : Syscalls.INSTANCE.address(copy);
            Syscalls sys = handle.sys();
            long n;
            do {
                n = sys.recvfrom(fd, data, length, flags, from, fromLength);
            } while (n == -Errno.EINTR);
            // The copy is read below, so it stays reachable across the call without a pin.
            if (n < 0) {
                return failure(n, operation, inet);
            }
            FdIo.received(dst, position, (int) n, copy);
            return (int) n;
        } finally {
            handle.release();
        }
    }

    /** {@link #WOULD_BLOCK} for EAGAIN; otherwise the exception for a failed call's {@code -errno}. */
    private static int failure(long negativeErrno, String operation, boolean inet) throws IOException {
        if (negativeErrno == -Errno.EAGAIN) {
            return WOULD_BLOCK;
        }
        int errno = (int) -negativeErrno;
        throw inet ? Errno.datagramException(operation, errno) : Errno.exception(operation, errno);
    }

    /** The bounce buffer, or for a datagram that does not fit it a temporary direct buffer. */
    private static ByteBuffer copyBuffer(Scratch scratch, int length) {
        return length <= Scratch.BOUNCE_SIZE ? scratch.bounce() : ByteBuffer.allocateDirect(length);
    }

    /**
     * Reads and clears a datagram socket's pending error (SO_ERROR), or null; a refused datagram
     * is a {@link java.net.PortUnreachableException}.
     */
    public static IOException takeError(FdHandle handle) throws IOException {
        int errno = Sockets.getInt(handle, Linux.SOL_SOCKET, Linux.SO_ERROR);
        return errno == 0 ? null : Errno.datagramException("socket error", errno);
    }
}
