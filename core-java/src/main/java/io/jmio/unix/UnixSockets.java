package io.jmio.unix;

import io.jmio.internal.FdHandle;
import io.jmio.internal.Fds;
import io.jmio.internal.SocketOptions;
import io.jmio.internal.Sockets;
import io.jmio.net.Shutdown;
import io.jmio.sys.Errno;
import io.jmio.sys.Linux;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketOption;
import java.util.Objects;

/** What the three Unix socket types share, so each of them stays a list of one-line methods. */
final class UnixSockets {
    private UnixSockets() {}

    /** Configures a freshly opened socket; anything it throws closes the socket. */
    interface Setup {
        void apply(FdHandle handle) throws IOException;
    }

    /** A new non-blocking, close-on-exec AF_UNIX socket of {@code type}, set up by {@code setup}. */
    static FdHandle open(int type, Setup setup) throws IOException {
        FdHandle handle = new FdHandle(Sockets.open(Linux.AF_UNIX, type));
        try {
            setup.apply(handle);
            return handle;
        } catch (IOException | RuntimeException | Error e) {
            handle.close();
            throw e;
        }
    }

    /** Two connected sockets of {@code type}. */
    static FdHandle[] pair(int type) throws IOException {
        int[] fds = Sockets.pair(Linux.AF_UNIX, type);
        return new FdHandle[] {new FdHandle(fds[0]), new FdHandle(fds[1])};
    }

    static void bind(FdHandle handle, UnixSocketAddress address) throws IOException {
        Sockets.bindEncoded(handle, address.encode(), address);
    }

    /**
     * Connects to {@code address}. A Unix connect completes at once or fails: Linux never reports
     * EINPROGRESS for it, so the only "not yet" answer is EAGAIN, the listener's full backlog.
     *
     * @throws java.net.ConnectException if nothing listens there or its backlog is full
     */
    static void connect(FdHandle handle, UnixSocketAddress address) throws IOException {
        requireNamed(address, "connect to");
        int result = Sockets.connectRaw(handle, address.encode());
        if (result == -Errno.EAGAIN) {
            throw new ConnectException("connect to " + address
                    + ": the listener's backlog is full (EAGAIN); try again once it has accepted");
        }
        if (result < 0) {
            throw Errno.exception("connect to " + address, -result);
        }
    }

    static void requireNamed(UnixSocketAddress address, String operation) {
        if (Objects.requireNonNull(address, "address").isUnnamed()) {
            throw new IllegalArgumentException("cannot " + operation + " the unnamed address");
        }
    }

    static UnixSocketAddress localAddress(FdHandle handle) throws IOException {
        return UnixSocketAddress.decode(Sockets.localAddressEncoded(handle));
    }

    /** @throws SocketException "not connected (ENOTCONN)" when there is no peer */
    static UnixSocketAddress peerAddress(FdHandle handle) throws IOException {
        return UnixSocketAddress.decode(Sockets.peerAddressEncoded(handle));
    }

    static void shutdown(FdHandle handle, Shutdown how) throws IOException {
        switch (Objects.requireNonNull(how, "how")) {
            case READ:
                Sockets.shutdown(handle, Linux.SHUT_RD);
                break;
            case WRITE:
                Sockets.shutdown(handle, Linux.SHUT_WR);
                break;
            default:
                Sockets.shutdown(handle, Linux.SHUT_RDWR);
                break;
        }
    }

    static <T> void setOption(FdHandle handle, SocketOption<T> option, T value) throws IOException {
        SocketOptions.set(handle, Linux.AF_UNIX, option, value);
    }

    static <T> T getOption(FdHandle handle, SocketOption<T> option) throws IOException {
        return SocketOptions.get(handle, Linux.AF_UNIX, option);
    }

    /**
     * Takes over {@code fd} as a Unix socket of {@code type}, listening or not: checks what it is
     * (leaving it untouched and still the caller's if that fails), then makes it non-blocking and
     * close-on-exec and returns a handle that owns it.
     *
     * @throws IllegalArgumentException if {@code fd} is not an open socket of that kind
     */
    static FdHandle adopt(int fd, int type, boolean listening) throws IOException {
        int status = Fds.statusFlags(fd);
        FdHandle borrowed = new FdHandle(fd, false);
        int domain;
        int actualType;
        boolean accepting;
        try {
            domain = Sockets.getInt(borrowed, Linux.SOL_SOCKET, Linux.SO_DOMAIN);
            actualType = Sockets.getInt(borrowed, Linux.SOL_SOCKET, Linux.SO_TYPE);
            accepting = Sockets.getInt(borrowed, Linux.SOL_SOCKET, Linux.SO_ACCEPTCONN) != 0;
        } catch (SocketException notSocket) {
            throw new IllegalArgumentException("file descriptor " + fd + " is not a socket", notSocket);
        }
        if (domain != Linux.AF_UNIX || actualType != type || accepting != listening) {
            String wanted = type == Linux.SOCK_DGRAM ? "a Unix datagram socket"
                    : (listening ? "a listening" : "a non-listening") + " Unix stream socket";
            throw new IllegalArgumentException("file descriptor " + fd + " is not " + wanted + " (domain " + domain
                    + ", type " + actualType + (accepting ? ", listening" : "") + ")");
        }
        Fds.makeNonBlockingAndCloseOnExec(fd, status);
        return new FdHandle(fd, true);
    }
}
