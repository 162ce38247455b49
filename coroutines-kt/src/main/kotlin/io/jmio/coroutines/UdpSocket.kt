package io.jmio.coroutines

import io.jmio.coroutines.internal.closeOnFailure
import io.jmio.Interest
import io.jmio.coroutines.internal.SocketIo
import io.jmio.coroutines.internal.untilReady
import java.net.InetSocketAddress
import java.nio.ByteBuffer
import io.jmio.net.UdpSocket as CoreUdpSocket

/**
 * A UDP socket whose sends and receives suspend instead of reporting "would block".
 *
 * ```kotlin
 * UdpSocket.bind(InetSocketAddress("127.0.0.1", 0)).use { socket ->
 *     val buf = ByteBuffer.allocateDirect(65_507)
 *     while (true) {
 *         buf.clear()
 *         val from = socket.receiveFrom(buf)
 *         buf.flip()
 *         socket.sendTo(buf, from)
 *     }
 * }
 * ```
 *
 * Every call sends or receives one whole datagram (an empty one is a real datagram). Options,
 * multicast and [connect] are on [socket]. Cancellation and [close] behave as for [TcpStream].
 */
public class UdpSocket internal constructor(
    public val socket: CoreUdpSocket,
    dispatcher: EventLoopDispatcher,
) : AutoCloseable {
    private val io = SocketIo(dispatcher, socket, socket, Interest.READABLE.add(Interest.WRITABLE), ReadinessOnly)

    /** Receives one datagram into [dst], suspending until one arrives: the sender's address. */
    public suspend fun receiveFrom(dst: ByteBuffer): InetSocketAddress = io.read.untilReady { socket.receiveFrom(dst) }

    /** Receives one datagram from the connected peer: its length. */
    public suspend fun receive(dst: ByteBuffer): Int = io.read.untilReady { socket.receive(dst).takeIf { it >= 0 } }

    /** Sends [src]'s remaining bytes as one datagram to [target], suspending while the socket's buffer is full. */
    public suspend fun sendTo(src: ByteBuffer, target: InetSocketAddress): Int =
        io.write.untilReady { socket.sendTo(src, target).takeIf { it >= 0 } }

    /** Sends one datagram to the connected peer. */
    public suspend fun send(src: ByteBuffer): Int = io.write.untilReady { socket.send(src).takeIf { it >= 0 } }

    /** Sends to and receives from [peer] only; see [CoreUdpSocket.connect]. */
    public fun connect(peer: InetSocketAddress) {
        socket.connect(peer)
    }

    public val localAddress: InetSocketAddress get() = socket.localAddress()

    override fun close() {
        io.close()
    }

    override fun toString(): String = "UdpSocket($socket)"

    public companion object {
        public suspend fun bind(address: InetSocketAddress): UdpSocket = from(CoreUdpSocket.bind(address))

        /** Wraps a socket made with core options (`UdpSocket.v4().setOption(...).bind(...)`). */
        public suspend fun from(socket: CoreUdpSocket): UdpSocket {
            val dispatcher = currentDispatcher()
            return socket.closeOnFailure { UdpSocket(it, dispatcher) }
        }
    }
}
