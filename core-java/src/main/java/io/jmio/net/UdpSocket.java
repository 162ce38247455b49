package io.jmio.net;

import io.jmio.IoSource;
import io.jmio.internal.DatagramIo;
import io.jmio.internal.FdHandle;
import io.jmio.internal.SourceHandles;
import io.jmio.internal.SocketOptions;
import io.jmio.internal.Sockets;
import io.jmio.sys.Linux;
import io.jmio.sys.Scratch;
import io.jmio.sys.SockAddr;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketOption;
import java.nio.ByteBuffer;

/**
 * A non-blocking UDP socket.
 *
 * <pre>{@code
 * UdpSocket socket = UdpSocket.bind(new InetSocketAddress("127.0.0.1", 0));
 * poll.registry().register(socket, UDP, Interest.READABLE);
 * ByteBuffer buffer = ByteBuffer.allocateDirect(65_536);
 * // on a readable event: receive until it would block
 * InetSocketAddress sender;
 * while ((sender = socket.receiveFrom(buffer)) != null) {
 *     buffer.flip();
 *     socket.sendTo(buffer, sender); // echo it back
 *     buffer.clear();
 * }
 * }</pre>
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>One call, one datagram. A datagram of length 0 is a real datagram, so "would block" is
 *       never 0 here: {@link #receiveFrom} and {@link #peekFrom} return null, {@link #receive},
 *       {@link #peek}, {@link #send} and {@link #sendTo} return -1. A datagram longer than the
 *       buffer's remaining space is cut to fit; the rest is discarded. A send is all or nothing.</li>
 *   <li>Edge-triggered like every source: after a readable event, receive until it would block.</li>
 *   <li>A datagram refused by its destination (an ICMP port unreachable, reported on a later call
 *       of a connected socket) is a {@link java.net.PortUnreachableException}.</li>
 *   <li>Direct buffers go to the kernel without a copy; heap buffers are copied through a
 *       per-thread native buffer (a temporary one for heap buffers over 64 KiB: a datagram is
 *       never split). Read-only buffers are rejected for receives.</li>
 *   <li>{@link #send}, {@link #receive} and {@link #peek} allocate nothing. {@link #sendTo} copies
 *       the target's address bytes (InetAddress gives no other access to them), and
 *       {@link #receiveFrom} and {@link #peekFrom} allocate the sender's address.</li>
 *   <li>Thread-safe; {@link #close()} is idempotent, removes the socket from every epoll set, and
 *       makes later calls throw {@link java.nio.channels.ClosedChannelException} without reaching
 *       the kernel.</li>
 * </ul>
 *
 * <p>To set options that must precede {@code bind} (SO_REUSEPORT, SO_RCVBUF, IPv6-only), use
 * {@link #v4()}, {@link #v6()} or {@link #forAddress}:
 *
 * <pre>{@code
 * UdpSocket socket = UdpSocket.forAddress(address)
 *         .setOption(StandardSocketOptions.SO_REUSEPORT, true)
 *         .setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20)
 *         .bind(address);
 * }</pre>
 */
public final class UdpSocket extends IoSource implements AutoCloseable {
    private final int family;

    private final FdHandle handle;

    private UdpSocket(FdHandle handle, int family) {
        this.handle = handle;
        SourceHandles.bind(this, handle, true);
        this.family = family;
    }

    /**
     * A UDP socket bound to {@code address} (port 0 picks a free port). An IPv6 wildcard address
     * also receives IPv4 datagrams.
     *
     * @throws java.net.BindException if the address is in use or not local
     * @throws java.nio.channels.UnresolvedAddressException for an unresolved address
     */
    public static UdpSocket bind(InetSocketAddress address) throws IOException {
        return forAddress(address).bind(address);
    }

    /** A builder for an IPv4 UDP socket. */
    public static Builder v4() throws IOException {
        return new Builder(SocketSetup.open(Linux.AF_INET, Linux.SOCK_DGRAM, "UdpSocket.Builder"));
    }

    /** A builder for an IPv6 UDP socket, dual-stack unless {@link Builder#setV6Only} says otherwise. */
    public static Builder v6() throws IOException {
        return new Builder(SocketSetup.open(Linux.AF_INET6, Linux.SOCK_DGRAM, "UdpSocket.Builder"));
    }

    /**
     * A builder for a UDP socket of the family {@code address} needs.
     *
     * @throws java.nio.channels.UnresolvedAddressException if {@code address} is unresolved
     */
    public static Builder forAddress(InetSocketAddress address) throws IOException {
        return new Builder(SocketSetup.open(Inet.family(address), Linux.SOCK_DGRAM, "UdpSocket.Builder"));
    }

    /**
     * Sends {@code src}'s remaining bytes as one datagram to {@code target}.
     *
     * @return the bytes sent (all of them), or -1 if it would block
     * @throws java.nio.channels.UnresolvedAddressException for an unresolved target
     * @throws IllegalArgumentException for an IPv6 target on an IPv4 socket
     */
    public int sendTo(ByteBuffer src, InetSocketAddress target) throws IOException {
        int length = Sockets.encode(family, Inet.require(target));
        return DatagramIo.send(handle, src, length, "sendto");
    }

    /**
     * Receives one datagram into {@code dst} from its position.
     *
     * @return the sender, or null if no datagram is queued
     */
    public InetSocketAddress receiveFrom(ByteBuffer dst) throws IOException {
        return DatagramIo.receive(handle, dst, 0, true, "recvfrom") == DatagramIo.WOULD_BLOCK ? null : sender();
    }

    /** Like {@link #receiveFrom} but leaves the datagram queued. */
    public InetSocketAddress peekFrom(ByteBuffer dst) throws IOException {
        return DatagramIo.receive(handle, dst, Linux.MSG_PEEK, true, "peek") == DatagramIo.WOULD_BLOCK
                ? null : sender();
    }

    private static InetSocketAddress sender() {
        ByteBuffer scratch = Scratch.get().buffer;
        return SockAddr.decodeInet(scratch, Scratch.ADDRESS, scratch.getInt(Scratch.ADDRESS_LENGTH));
    }

    /**
     * Sets the default destination of {@link #send} and accepts datagrams from {@code peer} only.
     * Connecting again redirects sends and changes the filter.
     *
     * @throws java.nio.channels.UnresolvedAddressException for an unresolved address
     */
    public void connect(InetSocketAddress peer) throws IOException {
        Sockets.connect(handle, family, Inet.require(peer));
    }

    /**
     * Sends {@code src}'s remaining bytes as one datagram to the connected peer.
     *
     * @return the bytes sent, or -1 if it would block
     * @throws java.net.SocketException "Destination address required" if not connected
     */
    public int send(ByteBuffer src) throws IOException {
        return DatagramIo.send(handle, src, 0, "send");
    }

    /**
     * Receives one datagram (from the connected peer if connected).
     *
     * @return its length (0 for an empty datagram), or -1 if none is queued
     */
    public int receive(ByteBuffer dst) throws IOException {
        return DatagramIo.receive(handle, dst, 0, false, "recv");
    }

    /** Like {@link #receive} but leaves the datagram queued. */
    public int peek(ByteBuffer dst) throws IOException {
        return DatagramIo.receive(handle, dst, Linux.MSG_PEEK, false, "peek");
    }

    public InetSocketAddress localAddress() throws IOException {
        return Sockets.localAddress(handle);
    }

    /** The connected peer, or null if not connected. */
    public InetSocketAddress peerAddress() throws IOException {
        return Sockets.peerAddressIfConnected(handle);
    }

    /** The TTL of outgoing unicast packets (the unicast hop limit on IPv6). */
    public int ttl() throws IOException {
        return Inet.ttl(handle, family);
    }

    /** @throws IllegalArgumentException unless {@code 1 <= ttl <= 255} */
    public void setTtl(int ttl) throws IOException {
        Inet.setTtl(handle, family, ttl);
    }

    /** Whether datagrams may go to broadcast addresses (SO_BROADCAST). */
    public boolean broadcast() throws IOException {
        return Sockets.getInt(handle, Linux.SOL_SOCKET, Linux.SO_BROADCAST) != 0;
    }

    public void setBroadcast(boolean broadcast) throws IOException {
        Sockets.setInt(handle, Linux.SOL_SOCKET, Linux.SO_BROADCAST, broadcast ? 1 : 0);
    }

    /** Whether IPv4 multicast datagrams we send loop back to our own host (IP_MULTICAST_LOOP). */
    public boolean multicastLoopV4() throws IOException {
        return Sockets.getInt(handle, Linux.IPPROTO_IP, Linux.IP_MULTICAST_LOOP) != 0;
    }

    public void setMulticastLoopV4(boolean loop) throws IOException {
        Sockets.setInt(handle, Linux.IPPROTO_IP, Linux.IP_MULTICAST_LOOP, loop ? 1 : 0);
    }

    /** The TTL of outgoing IPv4 multicast datagrams (IP_MULTICAST_TTL; 1 keeps them on the local network). */
    public int multicastTtlV4() throws IOException {
        return Sockets.getInt(handle, Linux.IPPROTO_IP, Linux.IP_MULTICAST_TTL);
    }

    /** @throws IllegalArgumentException unless {@code 0 <= ttl <= 255} */
    public void setMulticastTtlV4(int ttl) throws IOException {
        Sockets.setInt(handle, Linux.IPPROTO_IP, Linux.IP_MULTICAST_TTL, checkHops(ttl));
    }

    /**
     * Whether IPv6 multicast datagrams we send loop back (IPV6_MULTICAST_LOOP).
     *
     * @throws java.net.SocketException on an IPv4 socket
     */
    public boolean multicastLoopV6() throws IOException {
        return Sockets.getInt(handle, Linux.IPPROTO_IPV6, Linux.IPV6_MULTICAST_LOOP) != 0;
    }

    public void setMulticastLoopV6(boolean loop) throws IOException {
        Sockets.setInt(handle, Linux.IPPROTO_IPV6, Linux.IPV6_MULTICAST_LOOP, loop ? 1 : 0);
    }

    /** The hop limit of outgoing IPv6 multicast datagrams (IPV6_MULTICAST_HOPS). */
    public int multicastHopsV6() throws IOException {
        return Sockets.getInt(handle, Linux.IPPROTO_IPV6, Linux.IPV6_MULTICAST_HOPS);
    }

    /** @throws IllegalArgumentException unless {@code 0 <= hops <= 255} */
    public void setMulticastHopsV6(int hops) throws IOException {
        Sockets.setInt(handle, Linux.IPPROTO_IPV6, Linux.IPV6_MULTICAST_HOPS, checkHops(hops));
    }

    private static int checkHops(int hops) {
        if (hops < 0 || hops > 255) {
            throw new IllegalArgumentException("multicast TTL must be in [0, 255]: " + hops);
        }
        return hops;
    }

    /**
     * Joins a multicast group (IPv4, or IPv6 on an IPv6 socket) on {@code nif}, or on the interface
     * the kernel routes the group to when {@code nif} is null. Bind to the group's port (usually
     * with SO_REUSEADDR) to receive its datagrams.
     *
     * @throws IllegalArgumentException if {@code group} is not a multicast address, or is IPv6 on
     *     an IPv4 socket
     */
    public void joinMulticast(InetAddress group, NetworkInterface nif) throws IOException {
        Multicast.membership(handle, family, group, nif, true);
    }

    /** Leaves a group joined with {@link #joinMulticast} on the same interface. */
    public void leaveMulticast(InetAddress group, NetworkInterface nif) throws IOException {
        Multicast.membership(handle, family, group, nif, false);
    }

    /**
     * Sets a socket option, such as {@link java.net.StandardSocketOptions#SO_RCVBUF},
     * {@link java.net.StandardSocketOptions#IP_TOS} or
     * {@link java.net.StandardSocketOptions#IP_MULTICAST_IF}.
     *
     * @throws UnsupportedOperationException for an option jmio does not map
     */
    public <T> UdpSocket setOption(SocketOption<T> option, T value) throws IOException {
        SocketOptions.set(handle, family, option, value);
        return this;
    }

    public <T> T getOption(SocketOption<T> option) throws IOException {
        return SocketOptions.get(handle, family, option);
    }

    /**
     * Reads and clears the socket's pending error (SO_ERROR), or null; a refused datagram is a
     * {@link java.net.PortUnreachableException}.
     */
    public IOException takeError() throws IOException {
        return DatagramIo.takeError(handle);
    }

    /** Closes the socket; idempotent, safe from any thread. */
    @Override
    public void close() {
        handle.close();
    }

    @Override
    public String toString() {
        return "UdpSocket" + Inet.describe(handle);
    }

    /**
     * A UDP socket being configured before {@link #bind}: set SO_REUSEPORT, buffer sizes or
     * IPv6-only first. {@link #bind} hands the socket over to the returned {@link UdpSocket}, even
     * when it fails (the socket is then closed); a bad argument fails before the hand-over. Until
     * then close it if you give up. Not thread-safe.
     */
    public static final class Builder implements AutoCloseable {
        private final SocketSetup setup;

        private Builder(SocketSetup setup) {
            this.setup = setup;
        }

        /** @throws UnsupportedOperationException for an option jmio does not map */
        public <T> Builder setOption(SocketOption<T> option, T value) throws IOException {
            setup.setOption(option, value);
            return this;
        }

        public <T> T getOption(SocketOption<T> option) throws IOException {
            return setup.getOption(option);
        }

        /**
         * Whether an IPv6 socket receives IPv6 only (true) or IPv4 too (false, the default here).
         *
         * @throws UnsupportedOperationException on an IPv4 socket
         */
        public Builder setV6Only(boolean v6Only) throws IOException {
            setup.setV6Only(v6Only);
            return this;
        }

        /**
         * Binds to {@code local} and hands the socket over.
         *
         * @throws java.net.BindException if the address is in use or not local
         * @throws java.nio.channels.UnresolvedAddressException for an unresolved address
         * @throws IllegalArgumentException for an IPv6 address on an IPv4 socket
         */
        public UdpSocket bind(InetSocketAddress local) throws IOException {
            int length = Sockets.encode(setup.family, Inet.require(local));
            FdHandle handle = setup.handOver();
            try {
                Sockets.bindEncoded(handle, length, local);
            } catch (IOException | RuntimeException e) {
                handle.close();
                throw e;
            }
            return new UdpSocket(handle, setup.family);
        }

        /** False once closed or handed over. */
        public boolean isOpen() {
            return setup.isOpen();
        }

        /** Closes the socket unless it was handed over; idempotent. */
        @Override
        public void close() {
            setup.close();
        }

        @Override
        public String toString() {
            return setup.toString();
        }
    }
}
