package io.jmio.internal;

import io.jmio.sys.Errno;
import io.jmio.sys.Linux;
import io.jmio.sys.Scratch;
import io.jmio.sys.Syscalls;
import java.io.IOException;
import java.net.SocketException;
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
 * <p>Heap buffers go through the bounce buffer: a received datagram is cut to {@link
 * Scratch#BOUNCE_SIZE} bytes, and a larger one cannot be sent from a heap buffer (UDP's payload
 * limit, 65,507 bytes, fits).
 */
public final class DatagramIo {
    private DatagramIo() {}

    /** What {@link #send} and {@link #receive} return when the operation would block. */
    public static final int WOULD_BLOCK = -1;

    private static final Syscalls SYS = Syscalls.INSTANCE;

    /**
     * Sends {@code src}'s remaining bytes as one datagram to the address encoded in scratch
     * ({@code addressLength} bytes), or to the connected peer when {@code addressLength} is 0.
     * Returns the bytes sent (all of them), or {@link #WOULD_BLOCK}.
     */
    public static int send(FdHandle handle, ByteBuffer src, int addressLength, String operation) throws IOException {
        Objects.requireNonNull(src, "buffer");
        int position = src.position();
        int length = src.limit() - position;
        if (!src.isDirect() && length > Scratch.BOUNCE_SIZE) {
            throw new SocketException(operation + ": a datagram from a heap buffer is limited to "
                    + Scratch.BOUNCE_SIZE + " bytes, not " + length + "; use a direct buffer");
        }
        int fd = handle.acquire();
        try {
            Scratch scratch = Scratch.get();
            long to = addressLength == 0 ? 0 : scratch.address + Scratch.ADDRESS;
            long data;
            if (src.isDirect()) {
                data = SYS.address(src) + position;
            } else {
                ByteBuffer bounce = scratch.bounce();
                ((Buffer) bounce).clear();
                bounce.put(src);
                ((Buffer) src).position(position);
                data = scratch.bounceAddress();
            }
            long n;
            do {
                n = SYS.sendto(fd, data, length, Linux.MSG_NOSIGNAL, to, addressLength);
            } while (n == -Errno.EINTR);
            if (n >= 0) {
                ((Buffer) src).position(position + (int) n);
                return (int) n;
            }
            if (n == -Errno.EAGAIN) {
                return WOULD_BLOCK;
            }
            throw Errno.datagramException(operation, (int) -n);
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
        FdIo.requireWritable(Objects.requireNonNull(dst, "buffer"));
        int position = dst.position();
        int wanted = dst.limit() - position;
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
            boolean direct = dst.isDirect();
            long data = direct ? SYS.address(dst) + position : scratch.bounceAddress();
            int capacity = direct ? wanted : Math.min(wanted, Scratch.BOUNCE_SIZE);
            long n;
            do {
                n = SYS.recvfrom(fd, data, capacity, flags, from, fromLength);
            } while (n == -Errno.EINTR);
            if (n >= 0) {
                if (direct) {
                    ((Buffer) dst).position(position + (int) n);
                } else {
                    ByteBuffer bounce = scratch.bounce();
                    ((Buffer) bounce).clear();
                    ((Buffer) bounce).limit((int) n);
                    dst.put(bounce);
                }
                return (int) n;
            }
            if (n == -Errno.EAGAIN) {
                return WOULD_BLOCK;
            }
            throw Errno.datagramException(operation, (int) -n);
        } finally {
            handle.release();
        }
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
