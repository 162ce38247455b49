/**
 * Non-blocking TCP and UDP sockets for {@link io.jmio.Poll}: {@link io.jmio.net.TcpListener},
 * {@link io.jmio.net.TcpStream}, {@link io.jmio.net.UdpSocket}, and {@link io.jmio.net.TcpSocket}
 * / {@link io.jmio.net.UdpSocket.Builder} for options that must be set before bind, listen or
 * connect. IPv4 and IPv6 throughout; IPv6 sockets are dual-stack unless made v6-only.
 *
 * <p>Every socket is non-blocking and close-on-exec from its creation, is a {@link io.jmio.Source},
 * and follows NIO's conventions: reads return -1 at end of stream and 0 when they would block,
 * {@code accept} returns null when no connection waits, and closing is idempotent and removes the
 * socket from epoll. Datagram calls differ in one point: an empty datagram is real, so their
 * "would block" is -1 (or null), never 0.
 */
package io.jmio.net;
