package io.jmio.net;

import io.jmio.internal.FdHandle;
import io.jmio.internal.Sockets;
import io.jmio.sys.Linux;
import io.jmio.sys.SockAddr;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.UnresolvedAddressException;
import java.util.Objects;

/** IP-level helpers shared by the TCP and UDP types: address checks, family, TTL. */
final class Inet {
    private Inet() {}

    /**
     * The one check every bind, connect and send to an {@link InetSocketAddress} goes through: an
     * unresolved address is refused, as NIO refuses it, and never looked up (a lookup blocks, and
     * the caller may be an event loop).
     *
     * @throws NullPointerException for a null address
     * @throws UnresolvedAddressException for an unresolved one, naming it
     */
    static InetSocketAddress require(InetSocketAddress address) {
        Objects.requireNonNull(address, "address");
        if (address.isUnresolved()) {
            throw new Unresolved(address);
        }
        return address;
    }

    /** NIO's exception for an unresolved address, which has no message of its own, with one naming the address. */
    private static final class Unresolved extends UnresolvedAddressException {
        private static final long serialVersionUID = 1L;
        private final String message;

        Unresolved(InetSocketAddress address) {
            this.message = "unresolved address: " + address.getHostString() + ":" + address.getPort();
        }

        @Override
        public String getMessage() {
            return message;
        }
    }

    /** AF_INET or AF_INET6, as the address needs. */
    static int family(InetSocketAddress address) {
        return SockAddr.family(require(address).getAddress());
    }

    /** IP_TTL on IPv4 sockets, the unicast hop limit (IPV6_UNICAST_HOPS) on IPv6 ones. */
    static int ttl(FdHandle handle, int family) throws IOException {
        return family == Linux.AF_INET6
                ? Sockets.getInt(handle, Linux.IPPROTO_IPV6, Linux.IPV6_UNICAST_HOPS)
                : Sockets.getInt(handle, Linux.IPPROTO_IP, Linux.IP_TTL);
    }

    /** @throws IllegalArgumentException unless {@code 1 <= ttl <= 255} */
    static void setTtl(FdHandle handle, int family, int ttl) throws IOException {
        if (ttl < 1 || ttl > 255) {
            throw new IllegalArgumentException("ttl must be in [1, 255]: " + ttl);
        }
        if (family == Linux.AF_INET6) {
            Sockets.setInt(handle, Linux.IPPROTO_IPV6, Linux.IPV6_UNICAST_HOPS, ttl);
        } else {
            Sockets.setInt(handle, Linux.IPPROTO_IP, Linux.IP_TTL, ttl);
        }
    }

    /** "[fd 7]" or "[closed]", for toString. */
    static String describe(FdHandle handle) {
        return handle.isOpen() ? "[fd " + handle.fdForDiagnostics() + "]" : "[closed]";
    }
}
