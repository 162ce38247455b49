package io.jmio.internal;

import io.jmio.sys.Errno;
import io.jmio.sys.Linux;
import io.jmio.sys.Scratch;
import io.jmio.sys.SockAddr;
import io.jmio.sys.Syscalls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;

/**
 * Socket primitives shared by the TCP, UDP and Unix types: creation, bind, listen, accept,
 * connect, addresses, shutdown and integer options. Every fd is created non-blocking and
 * close-on-exec. Internal.
 */
public final class Sockets {
    private Sockets() {}

    /** A new non-blocking, close-on-exec socket; the caller owns the returned fd. */
    public static int open(int domain, int type) throws IOException {
        int fd = Syscalls.require().socket(domain, type | Linux.SOCK_NONBLOCK | Linux.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw Errno.exception("socket", -fd);
        }
        return fd;
    }

    /** Two connected non-blocking, close-on-exec sockets, as {@code {fd0, fd1}}. */
    public static int[] pair(int domain, int type) throws IOException {
        Syscalls sys = Syscalls.require();
        Scratch scratch = Scratch.get();
        int result = sys.socketpair(domain, type | Linux.SOCK_NONBLOCK | Linux.SOCK_CLOEXEC, 0,
                scratch.address + Scratch.VALUE);
        if (result < 0) {
            throw Errno.exception("socketpair", -result);
        }
        return new int[] {scratch.buffer.getInt(Scratch.VALUE), scratch.buffer.getInt(Scratch.VALUE + 4)};
    }

    /**
     * Writes {@code address} into scratch for a socket of {@code family}; returns the length. The
     * public types have refused an unresolved address already.
     */
    public static int encode(int family, InetSocketAddress address) {
        return SockAddr.encodeInet(Scratch.get().buffer, Scratch.ADDRESS, family, address);
    }

    /** Binds to the socket address already encoded in scratch ({@link #encode}). */
    public static void bindEncoded(FdHandle handle, int length, Object forMessage) throws IOException {
        int fd = handle.acquire();
        try {
            int result = Syscalls.INSTANCE.bind(fd, Scratch.get().address + Scratch.ADDRESS, length);
            if (result < 0) {
                throw Errno.exception("bind " + forMessage, -result);
            }
        } finally {
            handle.release();
        }
    }

    public static void bind(FdHandle handle, int family, InetSocketAddress address) throws IOException {
        bindEncoded(handle, encode(family, address), address);
    }

    public static void listen(FdHandle handle, int backlog) throws IOException {
        int fd = handle.acquire();
        try {
            int result = Syscalls.INSTANCE.listen(fd, backlog);
            if (result < 0) {
                throw Errno.exception("listen", -result);
            }
        } finally {
            handle.release();
        }
    }

    /**
     * Starts a non-blocking connect to the address already encoded in scratch. Returns true if
     * connected at once, false if the connection is in progress (EINPROGRESS, or EINTR, after
     * which the kernel carries on as well): wait for writable, then check {@link #takeError}.
     *
     * @throws IOException for any other errno, including EAGAIN (for TCP: no free local port)
     */
    public static boolean connectEncoded(FdHandle handle, int length, Object forMessage) throws IOException {
        int result = connectRaw(handle, length);
        if (result == 0) {
            return true;
        }
        if (result == -Errno.EINPROGRESS || result == -Errno.EINTR) {
            return false;
        }
        throw Errno.exception("connect to " + forMessage, -result);
    }

    /** One {@code connect} call to the address encoded in scratch: 0 or -errno, for callers that map errors themselves. */
    public static int connectRaw(FdHandle handle, int length) throws IOException {
        int fd = handle.acquire();
        try {
            return Syscalls.INSTANCE.connect(fd, Scratch.get().address + Scratch.ADDRESS, length);
        } finally {
            handle.release();
        }
    }

    public static boolean connect(FdHandle handle, int family, InetSocketAddress address) throws IOException {
        return connectEncoded(handle, encode(family, address), address);
    }

    /**
     * Accepts one connection with {@code accept4(SOCK_NONBLOCK | SOCK_CLOEXEC)}, its peer address in
     * scratch (length at {@link Scratch#ADDRESS_LENGTH}). Returns the new fd, or -1 if none is
     * pending. A connection aborted before it was accepted is skipped.
     */
    public static int accept(FdHandle handle) throws IOException {
        int fd = handle.acquire();
        try {
            Scratch scratch = Scratch.get();
            for (;;) {
                scratch.buffer.putInt(Scratch.ADDRESS_LENGTH, 128);
                int result = handle.sys().accept4(fd, scratch.address + Scratch.ADDRESS,
                        scratch.address + Scratch.ADDRESS_LENGTH, Linux.SOCK_NONBLOCK | Linux.SOCK_CLOEXEC);
                if (result >= 0) {
                    return result;
                }
                if (result == -Errno.EAGAIN) {
                    return -1;
                }
                if (result != -Errno.EINTR && result != -Errno.ECONNABORTED) {
                    throw Errno.exception("accept", -result);
                }
            }
        } finally {
            handle.release();
        }
    }

    /** {@code getsockname} into scratch; returns the address length. */
    public static int localAddressEncoded(FdHandle handle) throws IOException {
        return nameOf(handle, true);
    }

    /** {@code getpeername} into scratch; returns the address length. */
    public static int peerAddressEncoded(FdHandle handle) throws IOException {
        return nameOf(handle, false);
    }

    public static InetSocketAddress localAddress(FdHandle handle) throws IOException {
        int length = localAddressEncoded(handle);
        return SockAddr.decodeInet(Scratch.get().buffer, Scratch.ADDRESS, length);
    }

    /** @throws java.net.SocketException "not connected (ENOTCONN)" while a connect is in progress */
    public static InetSocketAddress peerAddress(FdHandle handle) throws IOException {
        int length = peerAddressEncoded(handle);
        return SockAddr.decodeInet(Scratch.get().buffer, Scratch.ADDRESS, length);
    }

    /** The peer's address, or null while the socket is not connected (ENOTCONN), as NIO's getRemoteAddress. */
    public static InetSocketAddress peerAddressIfConnected(FdHandle handle) throws IOException {
        int length = nameOf(handle, false, true);
        return length < 0 ? null : SockAddr.decodeInet(Scratch.get().buffer, Scratch.ADDRESS, length);
    }

    private static int nameOf(FdHandle handle, boolean local) throws IOException {
        return nameOf(handle, local, false);
    }

    /** The address length, or -1 for ENOTCONN when {@code notConnectedIsMinusOne}. */
    private static int nameOf(FdHandle handle, boolean local, boolean notConnectedIsMinusOne) throws IOException {
        int fd = handle.acquire();
        try {
            Scratch scratch = Scratch.get();
            scratch.buffer.putInt(Scratch.ADDRESS_LENGTH, 128);
            long address = scratch.address + Scratch.ADDRESS;
            long length = scratch.address + Scratch.ADDRESS_LENGTH;
            int result = local
                    ? Syscalls.INSTANCE.getsockname(fd, address, length)
                    : Syscalls.INSTANCE.getpeername(fd, address, length);
            if (result == -Errno.ENOTCONN && notConnectedIsMinusOne) {
                return -1;
            }
            if (result < 0) {
                throw Errno.exception(local ? "getsockname" : "getpeername", -result);
            }
            return scratch.buffer.getInt(Scratch.ADDRESS_LENGTH);
        } finally {
            handle.release();
        }
    }

    /** {@code how} is {@link Linux#SHUT_RD}, {@link Linux#SHUT_WR} or {@link Linux#SHUT_RDWR}. */
    public static void shutdown(FdHandle handle, int how) throws IOException {
        int fd = handle.acquire();
        try {
            int result = Syscalls.INSTANCE.shutdown(fd, how);
            if (result < 0) {
                throw Errno.exception("shutdown", -result);
            }
        } finally {
            handle.release();
        }
    }

    /** Reads and clears the socket's pending error ({@code SO_ERROR}): the exception it stands for, or null. */
    public static IOException takeError(FdHandle handle) throws IOException {
        int errno = getInt(handle, Linux.SOL_SOCKET, Linux.SO_ERROR);
        return errno == 0 ? null : Errno.exception("socket error", errno);
    }

    public static void setInt(FdHandle handle, int level, int name, int value) throws IOException {
        Scratch scratch = Scratch.get();
        scratch.buffer.putInt(Scratch.VALUE, value);
        setRaw(handle, level, name, 4);
    }

    public static int getInt(FdHandle handle, int level, int name) throws IOException {
        getRaw(handle, level, name, 4);
        return Scratch.get().buffer.getInt(Scratch.VALUE);
    }

    /** {@code setsockopt} with the first {@code length} bytes at scratch {@link Scratch#VALUE}. */
    public static void setRaw(FdHandle handle, int level, int name, int length) throws IOException {
        int fd = handle.acquire();
        try {
            Scratch scratch = Scratch.get();
            int result = Syscalls.INSTANCE.setsockopt(fd, level, name, scratch.address + Scratch.VALUE, length);
            if (result < 0) {
                throw optionError("setsockopt", -result);
            }
        } finally {
            handle.release();
        }
    }

    /** {@code getsockopt} into scratch {@link Scratch#VALUE}; returns the length the kernel wrote. */
    public static int getRaw(FdHandle handle, int level, int name, int capacity) throws IOException {
        int fd = handle.acquire();
        try {
            Scratch scratch = Scratch.get();
            ByteBuffer memory = scratch.buffer;
            for (int i = 0; i < capacity; i++) {
                memory.put(Scratch.VALUE + i, (byte) 0);
            }
            memory.putInt(Scratch.VALUE_LENGTH, capacity);
            int result = Syscalls.INSTANCE.getsockopt(fd, level, name, scratch.address + Scratch.VALUE,
                    scratch.address + Scratch.VALUE_LENGTH);
            if (result < 0) {
                throw optionError("getsockopt", -result);
            }
            return memory.getInt(Scratch.VALUE_LENGTH);
        } finally {
            handle.release();
        }
    }

    private static IOException optionError(String operation, int errno) {
        IOException e = Errno.exception(operation, errno);
        return e instanceof SocketException ? e : new SocketException(e.getMessage());
    }
}
