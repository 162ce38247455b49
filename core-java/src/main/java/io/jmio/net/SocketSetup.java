package io.jmio.net;

import io.jmio.internal.FdHandle;
import io.jmio.internal.SocketOptions;
import io.jmio.internal.Sockets;
import io.jmio.sys.Linux;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;

/**
 * A socket being configured before it becomes a listener, stream or datagram socket: the shared
 * core of {@link TcpSocket} and {@link UdpSocket.Builder}. It owns the fd until {@link #handOver()}
 * gives it to the finished socket; from then on it refuses every use.
 */
final class SocketSetup {
    final int family;
    private final String owner;
    private FdHandle handle;
    private boolean handedOver;

    private SocketSetup(FdHandle handle, int family, String owner) {
        this.handle = handle;
        this.family = family;
        this.owner = owner;
    }

    /**
     * A new non-blocking, close-on-exec socket. IPv6 sockets start dual-stack (IPV6_V6ONLY off)
     * whatever the system default, so an IPv6 wildcard address also serves IPv4 peers.
     */
    static SocketSetup open(int family, int type, String owner) throws IOException {
        FdHandle handle = new FdHandle(Sockets.open(family, type));
        try {
            if (family == Linux.AF_INET6) {
                Sockets.setInt(handle, Linux.IPPROTO_IPV6, Linux.IPV6_V6ONLY, 0);
            }
        } catch (IOException | RuntimeException e) {
            handle.close();
            throw e;
        }
        return new SocketSetup(handle, family, owner);
    }

    /** The fd; throws once it has been handed over. */
    FdHandle handle() {
        if (handedOver) {
            throw new IllegalStateException(owner + " was already turned into a socket; configure that one instead");
        }
        return handle;
    }

    <T> void setOption(SocketOption<T> option, T value) throws IOException {
        SocketOptions.set(handle(), family, option, value);
    }

    <T> T getOption(SocketOption<T> option) throws IOException {
        return SocketOptions.get(handle(), family, option);
    }

    void setV6Only(boolean v6Only) throws IOException {
        if (family != Linux.AF_INET6) {
            throw new UnsupportedOperationException("IPV6_V6ONLY applies to IPv6 sockets only");
        }
        Sockets.setInt(handle(), Linux.IPPROTO_IPV6, Linux.IPV6_V6ONLY, v6Only ? 1 : 0);
    }

    void bind(InetSocketAddress local) throws IOException {
        Sockets.bind(handle(), family, Inet.require(local));
    }

    InetSocketAddress localAddress() throws IOException {
        return Sockets.localAddress(handle());
    }

    /** Gives the fd to the finished socket; this setup is unusable afterwards. */
    FdHandle handOver() {
        FdHandle fd = handle();
        handedOver = true;
        handle = null;
        return fd;
    }

    boolean isOpen() {
        return !handedOver && handle.isOpen();
    }

    /** Closes the fd unless it was handed over; idempotent. */
    void close() {
        if (!handedOver) {
            handle.close();
        }
    }

    @Override
    public String toString() {
        return handedOver ? owner + "[handed over]" : owner + Inet.describe(handle);
    }
}
