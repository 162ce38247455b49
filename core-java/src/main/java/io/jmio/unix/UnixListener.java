package io.jmio.unix;

import io.jmio.IoSource;
import io.jmio.internal.FdHandle;
import io.jmio.internal.SourceHandles;
import io.jmio.internal.Sockets;
import io.jmio.sys.Linux;
import java.io.IOException;
import java.net.SocketOption;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A non-blocking Unix domain stream socket listening for connections: jmio's
 * {@code mio::net::UnixListener}.
 *
 * <pre>{@code
 * try (UnixListener listener = UnixListener.bind(dir.resolve("app.sock"))) {
 *     poll.registry().register(listener, SERVER, Interest.READABLE);
 *     // on each readable event for SERVER, accept until null:
 *     UnixStream stream;
 *     while ((stream = listener.accept()) != null) {
 *         poll.registry().register(stream, nextToken++, Interest.READABLE);
 *     }
 * }
 * }</pre>
 *
 * <p>Closing a listener bound to a path does <b>not</b> delete the socket file, as with mio, Rust's
 * std and the JDK: delete it yourself (binding to an existing file fails with
 * {@link java.net.BindException}). Abstract names vanish with the socket.
 *
 * <p>Thread-safe. {@link #close()} is idempotent, removes the listener from any poll, and makes
 * every later call throw {@link java.nio.channels.ClosedChannelException}.
 */
public final class UnixListener extends IoSource implements AutoCloseable {
    /** Negative asks Linux for its maximum ({@code net.core.somaxconn}), as mio does. */
    private static final int BACKLOG = -1;

    private final FdHandle handle;

    private UnixListener(FdHandle handle) {
        this.handle = handle;
        SourceHandles.bind(this, handle, true);
    }

    /**
     * Creates the socket file at {@code path} and listens on it.
     *
     * @throws IllegalArgumentException if the path is empty, too long or contains NUL
     * @throws java.net.BindException if something already exists at {@code path}
     */
    public static UnixListener bind(Path path) throws IOException {
        return bind(UnixSocketAddress.of(path));
    }

    /**
     * Listens on a path or abstract name; {@link UnixSocketAddress#unnamed()} picks a fresh
     * abstract name (see {@link #localAddress()}).
     *
     * @throws java.net.BindException if the address is in use
     */
    public static UnixListener bind(UnixSocketAddress address) throws IOException {
        Objects.requireNonNull(address, "address");
        return new UnixListener(UnixSockets.open(Linux.SOCK_STREAM, handle -> {
            UnixSockets.bind(handle, address);
            Sockets.listen(handle, BACKLOG);
        }));
    }

    /**
     * Takes over a listening Unix stream socket made elsewhere (inherited, or received with
     * {@link UnixStream#receiveWithFds}): makes it non-blocking and close-on-exec and closes it
     * with this listener. If this throws, the fd is untouched and still yours.
     *
     * @throws IllegalArgumentException if {@code fd} is not an open, listening Unix stream socket
     */
    public static UnixListener fromOwnedFd(int fd) throws IOException {
        return new UnixListener(UnixSockets.adopt(fd, Linux.SOCK_STREAM, true));
    }

    /**
     * Accepts a pending connection ({@code accept4} with {@code SOCK_NONBLOCK | SOCK_CLOEXEC}).
     *
     * @return the connected stream, or null if none is pending (wait for a readable event)
     */
    public UnixStream accept() throws IOException {
        int fd = Sockets.accept(handle);
        return fd < 0 ? null : new UnixStream(new FdHandle(fd));
    }

    /** The address this listener is bound to. */
    public UnixSocketAddress localAddress() throws IOException {
        return UnixSockets.localAddress(handle);
    }

    /** Reads and clears the pending socket error ({@code SO_ERROR}): the exception it stands for, or null. */
    public IOException takeError() throws IOException {
        return Sockets.takeError(handle);
    }

    /**
     * Sets a socket option ({@link java.net.StandardSocketOptions#SO_RCVBUF} and the like).
     *
     * @throws UnsupportedOperationException if the option does not apply to Unix sockets
     */
    public <T> UnixListener setOption(SocketOption<T> option, T value) throws IOException {
        UnixSockets.setOption(handle, option, value);
        return this;
    }

    public <T> T getOption(SocketOption<T> option) throws IOException {
        return UnixSockets.getOption(handle, option);
    }

    /** Closes the socket (idempotent); the socket file stays. */
    @Override
    public void close() {
        handle.close();
    }

    @Override
    public String toString() {
        return "UnixListener(fd " + handle.fdForDiagnostics() + (isOpen() ? ")" : ", closed)");
    }
}
