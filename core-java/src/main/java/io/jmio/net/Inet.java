package io.jmio.net;

import io.jmio.internal.FdHandle;
import io.jmio.internal.Sockets;
import io.jmio.sys.Linux;
import io.jmio.sys.SockAddr;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Objects;

/** IP-level helpers shared by the TCP and UDP types: address checks, family, TTL. */
final class Inet {
    private Inet() {}

    /**
     * @throws NullPointerException for a null address
     * @throws IllegalArgumentException for an unresolved one
     */
    static InetSocketAddress require(InetSocketAddress address) {
        Objects.requireNonNull(address, "address");
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("unresolved address: " + address);
        }
        return address;
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
