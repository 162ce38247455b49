package io.jmio.internal;

import io.jmio.sys.Errno;
import io.jmio.sys.Layout;
import io.jmio.sys.Linux;
import io.jmio.sys.Scratch;
import io.jmio.sys.Syscalls;
import java.io.IOException;
import java.nio.Buffer;
import java.nio.ByteBuffer;

/**
 * Whole-datagram sends and receives ({@code sendto}/{@code recvfrom}) for any address family.
 * Internal.
 *
 * <p>Unlike {@link FdIo}'s stream calls, an empty buffer still makes the syscall: an empty
 * datagram is a real message, and receiving into no room still consumes (and discards) one.
 * A datagram is never split: a heap buffer larger than the thread's bounce buffer goes through a
 * temporary direct buffer of its own size, a rare and deliberately allocating path.
 */
public final class Datagrams {
    private Datagrams() {}

    /** What {@link #send} and {@link #receive} return when they would block: 0 is a real (empty) datagram. */
    public static final int WOULD_BLOCK = -1;

    private static final Syscalls SYS = Syscalls.INSTANCE;

    /**
     * Sends {@code src}'s remaining bytes as one datagram, to the address already encoded in
     * scratch ({@code addressLength > 0}) or to the connected peer ({@code addressLength == 0}).
     *
     * @param target names the destination in exception messages (null for the connected peer)
     * @return the bytes sent (all of them), or {@link #WOULD_BLOCK}
     */
    public static int send(FdHandle handle, ByteBuffer src, int addressLength, Object target) throws IOException {
        int position = src.position();
        int length = src.limit() - position;
        int fd = handle.acquire();
        try {
            Scratch scratch = Scratch.get();
            long address = addressLength > 0 ? scratch.address + Scratch.ADDRESS : 0;
            long data;
            if (src.isDirect()) {
                data = SYS.address(src) + position;
            } else {
                ByteBuffer copy = length <= Scratch.BOUNCE_SIZE ? scratch.bounce() : ByteBuffer.allocateDirect(length);
                ((Buffer) copy).clear();
                copy.put(src);
                ((Buffer) src).position(position);
                data = SYS.address(copy);
            }
            long n;
            do {
                n = SYS.sendto(fd, data, length, Linux.MSG_NOSIGNAL, address, addressLength);
            } while (n == -Errno.EINTR);
            if (n == -Errno.EAGAIN) {
                return WOULD_BLOCK;
            }
            if (n < 0) {
                throw Errno.exception(target == null ? "send" : "send to " + target, (int) -n);
            }
            ((Buffer) src).position(position + (int) n);
            return (int) n;
        } finally {
            handle.release();
        }
    }

    /** The length of the sender's address the last {@link #receive} with an address left in scratch. */
    public static int senderAddressLength() {
        return Scratch.get().buffer.getInt(Scratch.ADDRESS_LENGTH);
    }

    /**
     * Receives one datagram into {@code dst} from its position; bytes beyond its remaining room
     * are discarded. With {@code wantAddress}, the sender's address is left in scratch at
     * {@link Scratch#ADDRESS}, its length at {@link Scratch#ADDRESS_LENGTH}.
     *
     * @return the bytes stored (0 for an empty datagram), or {@link #WOULD_BLOCK}
     */
    public static int receive(FdHandle handle, ByteBuffer dst, boolean wantAddress) throws IOException {
        FdIo.requireWritable(dst);
        int position = dst.position();
        int room = dst.limit() - position;
        int fd = handle.acquire();
        try {
            Scratch scratch = Scratch.get();
            long address = 0;
            long addressLength = 0;
            if (wantAddress) {
                scratch.buffer.putInt(Scratch.ADDRESS_LENGTH, Layout.SOCKADDR_STORAGE_SIZE);
                address = scratch.address + Scratch.ADDRESS;
                addressLength = scratch.address + Scratch.ADDRESS_LENGTH;
            }
            ByteBuffer copy = null;
            long data;
            if (dst.isDirect()) {
                data = SYS.address(dst) + position;
            } else {
                copy = room <= Scratch.BOUNCE_SIZE ? scratch.bounce() : ByteBuffer.allocateDirect(room);
                data = SYS.address(copy);
            }
            long n;
            do {
                n = SYS.recvfrom(fd, data, room, 0, address, addressLength);
            } while (n == -Errno.EINTR);
            if (n == -Errno.EAGAIN) {
                return WOULD_BLOCK;
            }
            if (n < 0) {
                throw Errno.exception("receive", (int) -n);
            }
            if (copy != null) {
                ((Buffer) copy).clear();
                ((Buffer) copy).limit((int) n);
                dst.put(copy);
            } else {
                ((Buffer) dst).position(position + (int) n);
            }
            return (int) n;
        } finally {
            handle.release();
        }
    }
}
