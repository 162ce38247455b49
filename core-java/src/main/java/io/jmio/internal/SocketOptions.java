package io.jmio.internal;

import io.jmio.sys.Linux;
import io.jmio.sys.Scratch;
import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Enumeration;
import java.util.Objects;

/**
 * Maps {@link StandardSocketOptions} (and the Linux keep-alive timings, matched by name so that
 * {@code jdk.net.ExtendedSocketOptions} works without a compile-time dependency on {@code jdk.net})
 * to {@code setsockopt}/{@code getsockopt}. IP-level options pick the IPv6 variant on IPv6
 * sockets. Internal.
 */
public final class SocketOptions {
    private SocketOptions() {}

    /**
     * Sets {@code option} on a socket of address {@code family} (AF_INET, AF_INET6 or AF_UNIX).
     *
     * @throws UnsupportedOperationException if the option does not apply to this socket
     * @throws IllegalArgumentException for a value the option cannot take
     */
    public static <T> void set(FdHandle handle, int family, SocketOption<T> option, T value) throws IOException {
        Objects.requireNonNull(option, "option");
        String name = option.name();
        if (option == StandardSocketOptions.SO_LINGER) {
            int seconds = intValue(option, value);
            ByteBuffer memory = Scratch.get().buffer;
            memory.putInt(Scratch.VALUE, seconds < 0 ? 0 : 1);
            memory.putInt(Scratch.VALUE + 4, Math.max(seconds, 0));
            Sockets.setRaw(handle, Linux.SOL_SOCKET, Linux.SO_LINGER, 8);
            return;
        }
        if (option == StandardSocketOptions.IP_MULTICAST_IF) {
            NetworkInterface nif = (NetworkInterface) Objects.requireNonNull(value, "value");
            setMulticastInterface(handle, family, nif);
            return;
        }
        int[] target = target(family, option);
        if (option.type() == Boolean.class) {
            Sockets.setInt(handle, target[0], target[1], Boolean.TRUE.equals(Objects.requireNonNull(value, "value")) ? 1 : 0);
        } else {
            int v = intValue(option, value);
            if (v < 0) {
                throw new IllegalArgumentException(name + " cannot be negative: " + v);
            }
            Sockets.setInt(handle, target[0], target[1], v);
        }
    }

    /**
     * Turns SO_LINGER off if it is on with a timeout, just before a close: on Linux, {@code close}
     * of such a socket blocks the calling thread (whatever {@code O_NONBLOCK} says) until the peer
     * has acknowledged everything sent or the timeout ends, and then finishes the close in the
     * background exactly as it would have without lingering: the queued bytes and the FIN still
     * go out. So turning it off changes nothing on the wire and keeps an event loop's thread from
     * stalling. SO_LINGER with a zero timeout (abortive close, RST) is left alone. A socket
     * accepted from a lingering listener inherits the option, so it is read here, not tracked.
     * Quiet: a socket that is closed already, or whose option cannot be read, is left as it is.
     */
    public static void neverBlockInClose(FdHandle handle) {
        try {
            Sockets.getRaw(handle, Linux.SOL_SOCKET, Linux.SO_LINGER, 8);
            ByteBuffer memory = Scratch.get().buffer;
            if (memory.getInt(Scratch.VALUE) == 0 || memory.getInt(Scratch.VALUE + 4) == 0) {
                return;
            }
            memory.putInt(Scratch.VALUE, 0);
            memory.putInt(Scratch.VALUE + 4, 0);
            Sockets.setRaw(handle, Linux.SOL_SOCKET, Linux.SO_LINGER, 8);
        } catch (IOException closedOrGone) {
            // Closed by another thread meanwhile, or the option is unreadable: nothing to change.
        }
    }

    /** Reads {@code option} from a socket of address {@code family}. */
    @SuppressWarnings("unchecked")
    public static <T> T get(FdHandle handle, int family, SocketOption<T> option) throws IOException {
        Objects.requireNonNull(option, "option");
        if (option == StandardSocketOptions.SO_LINGER) {
            Sockets.getRaw(handle, Linux.SOL_SOCKET, Linux.SO_LINGER, 8);
            ByteBuffer memory = Scratch.get().buffer;
            int onoff = memory.getInt(Scratch.VALUE);
            return (T) Integer.valueOf(onoff == 0 ? -1 : memory.getInt(Scratch.VALUE + 4));
        }
        if (option == StandardSocketOptions.IP_MULTICAST_IF) {
            return (T) multicastInterface(handle, family);
        }
        int[] target = target(family, option);
        int value = Sockets.getInt(handle, target[0], target[1]);
        if (option.type() == Boolean.class) {
            return (T) Boolean.valueOf(value != 0);
        }
        return (T) Integer.valueOf(value);
    }

    /** {level, name} for the integer and boolean options. */
    private static int[] target(int family, SocketOption<?> option) {
        boolean inet = family == Linux.AF_INET || family == Linux.AF_INET6;
        boolean v6 = family == Linux.AF_INET6;
        switch (option.name()) {
            case "SO_REUSEADDR": return new int[] {Linux.SOL_SOCKET, Linux.SO_REUSEADDR};
            case "SO_REUSEPORT": return new int[] {Linux.SOL_SOCKET, Linux.SO_REUSEPORT};
            case "SO_RCVBUF": return new int[] {Linux.SOL_SOCKET, Linux.SO_RCVBUF};
            case "SO_SNDBUF": return new int[] {Linux.SOL_SOCKET, Linux.SO_SNDBUF};
            case "SO_KEEPALIVE": return new int[] {Linux.SOL_SOCKET, Linux.SO_KEEPALIVE};
            case "SO_BROADCAST": return new int[] {Linux.SOL_SOCKET, Linux.SO_BROADCAST};
            default: break;
        }
        if (inet) {
            switch (option.name()) {
                case "TCP_NODELAY": return new int[] {Linux.IPPROTO_TCP, Linux.TCP_NODELAY};
                case "TCP_KEEPIDLE": return new int[] {Linux.IPPROTO_TCP, Linux.TCP_KEEPIDLE};
                case "TCP_KEEPINTERVAL": return new int[] {Linux.IPPROTO_TCP, Linux.TCP_KEEPINTVL};
                case "TCP_KEEPCOUNT": return new int[] {Linux.IPPROTO_TCP, Linux.TCP_KEEPCNT};
                case "IP_TOS": return v6 ? new int[] {Linux.IPPROTO_IPV6, Linux.IPV6_TCLASS} : new int[] {Linux.IPPROTO_IP, Linux.IP_TOS};
                case "IP_MULTICAST_TTL":
                    return v6 ? new int[] {Linux.IPPROTO_IPV6, Linux.IPV6_MULTICAST_HOPS} : new int[] {Linux.IPPROTO_IP, Linux.IP_MULTICAST_TTL};
                case "IP_MULTICAST_LOOP":
                    return v6 ? new int[] {Linux.IPPROTO_IPV6, Linux.IPV6_MULTICAST_LOOP} : new int[] {Linux.IPPROTO_IP, Linux.IP_MULTICAST_LOOP};
                default: break;
            }
        }
        throw new UnsupportedOperationException("socket option not supported here: " + option.name());
    }

    private static int intValue(SocketOption<?> option, Object value) {
        if (!(value instanceof Integer)) {
            throw new IllegalArgumentException(option.name() + " takes an Integer, not " + value);
        }
        return (Integer) value;
    }

    private static void setMulticastInterface(FdHandle handle, int family, NetworkInterface nif) throws IOException {
        int index = nif.getIndex();
        ByteBuffer memory = Scratch.get().buffer;
        if (family == Linux.AF_INET6) {
            memory.putInt(Scratch.VALUE, index);
            Sockets.setRaw(handle, Linux.IPPROTO_IPV6, Linux.IPV6_MULTICAST_IF, 4);
        } else if (family == Linux.AF_INET) {
            // struct ip_mreqn { in_addr multiaddr; in_addr address; int ifindex; }
            // The kernel reports only imr_address back, so pass the interface's IPv4 address too
            // (when it has one) for the getter to find the interface again.
            memory.putInt(Scratch.VALUE, 0);
            memory.putInt(Scratch.VALUE + 4, 0);
            byte[] ipv4 = firstIpv4Address(nif);
            for (int i = 0; ipv4 != null && i < 4; i++) {
                memory.put(Scratch.VALUE + 4 + i, ipv4[i]);
            }
            memory.putInt(Scratch.VALUE + 8, index);
            Sockets.setRaw(handle, Linux.IPPROTO_IP, Linux.IP_MULTICAST_IF, 12);
        } else {
            throw new UnsupportedOperationException("IP_MULTICAST_IF needs an IP socket");
        }
    }

    private static byte[] firstIpv4Address(NetworkInterface nif) {
        for (Enumeration<InetAddress> addresses = nif.getInetAddresses(); addresses.hasMoreElements(); ) {
            byte[] raw = addresses.nextElement().getAddress();
            if (raw.length == 4) {
                return raw;
            }
        }
        return null;
    }

    private static NetworkInterface multicastInterface(FdHandle handle, int family) throws IOException {
        ByteBuffer memory = Scratch.get().buffer;
        if (family == Linux.AF_INET6) {
            Sockets.getRaw(handle, Linux.IPPROTO_IPV6, Linux.IPV6_MULTICAST_IF, 4);
            int index = memory.getInt(Scratch.VALUE);
            return index == 0 ? null : NetworkInterface.getByIndex(index);
        }
        if (family != Linux.AF_INET) {
            throw new UnsupportedOperationException("IP_MULTICAST_IF needs an IP socket");
        }
        Sockets.getRaw(handle, Linux.IPPROTO_IP, Linux.IP_MULTICAST_IF, 4);
        byte[] raw = new byte[4];
        for (int i = 0; i < 4; i++) {
            raw[i] = memory.get(Scratch.VALUE + i);
        }
        if ((raw[0] | raw[1] | raw[2] | raw[3]) == 0) {
            return null;
        }
        try {
            return NetworkInterface.getByInetAddress(InetAddress.getByAddress(raw));
        } catch (UnknownHostException impossible) {
            throw new AssertionError(impossible);
        }
    }
}
