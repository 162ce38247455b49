package io.jmio.net;

import io.jmio.internal.FdHandle;
import io.jmio.internal.Sockets;
import io.jmio.sys.Linux;
import io.jmio.sys.Scratch;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.ByteBuffer;
import java.util.Objects;

/** Joining and leaving multicast groups: {@code ip_mreqn} for IPv4 groups, {@code ipv6_mreq} for IPv6. */
final class Multicast {
    private Multicast() {}

    /**
     * Joins ({@code join}) or leaves {@code group} on {@code nif}, or on the interface the kernel
     * routes the group to when {@code nif} is null.
     */
    static void membership(FdHandle handle, int family, InetAddress group, NetworkInterface nif, boolean join)
            throws IOException {
        Objects.requireNonNull(group, "group");
        if (!group.isMulticastAddress()) {
            throw new IllegalArgumentException("not a multicast address: " + group);
        }
        int index = nif == null ? 0 : nif.getIndex();
        if (index < 0) {
            throw new IllegalArgumentException("network interface without an index: " + nif);
        }
        byte[] raw = group.getAddress();
        ByteBuffer value = Scratch.get().buffer;
        if (group instanceof Inet4Address) {
            // struct ip_mreqn { struct in_addr imr_multiaddr, imr_address; int imr_ifindex; }
            put(value, Scratch.VALUE, raw);
            value.putInt(Scratch.VALUE + 4, 0);
            value.putInt(Scratch.VALUE + 8, index);
            Sockets.setRaw(handle, Linux.IPPROTO_IP, join ? Linux.IP_ADD_MEMBERSHIP : Linux.IP_DROP_MEMBERSHIP, 12);
        } else {
            if (family != Linux.AF_INET6) {
                throw new IllegalArgumentException("an IPv6 group needs an IPv6 socket: " + group);
            }
            // struct ipv6_mreq { struct in6_addr ipv6mr_multiaddr; unsigned int ipv6mr_interface; }
            put(value, Scratch.VALUE, raw);
            value.putInt(Scratch.VALUE + 16, index);
            Sockets.setRaw(handle, Linux.IPPROTO_IPV6,
                    join ? Linux.IPV6_ADD_MEMBERSHIP : Linux.IPV6_DROP_MEMBERSHIP, 20);
        }
    }

    private static void put(ByteBuffer memory, int at, byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            memory.put(at + i, bytes[i]);
        }
    }
}
