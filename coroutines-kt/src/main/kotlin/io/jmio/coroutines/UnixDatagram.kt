package io.jmio.coroutines

import io.jmio.coroutines.internal.closeOnFailure
import io.jmio.Interest
import io.jmio.coroutines.internal.SocketIo
import io.jmio.coroutines.internal.untilReady
import io.jmio.unix.UnixSocketAddress
import java.nio.ByteBuffer
import java.nio.file.Path
import io.jmio.unix.UnixDatagram as CoreUnixDatagram

/**
 * A Unix-domain datagram socket whose sends and receives suspend; see [UdpSocket].
 *
 * ```kotlin
 * val server = UnixDatagram.bind(dir.resolve("server.sock"))
 * val client = UnixDatagram.unbound()
 * client.sendTo(ByteBuffer.wrap(bytes), server.localAddress)
 * val from = server.receiveFrom(buf)
 * ```
 */
public class UnixDatagram internal constructor(
    public val socket: CoreUnixDatagram,
    dispatcher: EventLoopDispatcher,
) : AutoCloseable {
    private val io = SocketIo(dispatcher, socket, socket, Interest.READABLE.add(Interest.WRITABLE), ReadinessOnly)

    public suspend fun receiveFrom(dst: ByteBuffer): UnixSocketAddress = io.read.untilReady { socket.receiveFrom(dst) }

    public suspend fun receive(dst: ByteBuffer): Int = io.read.untilReady { socket.receive(dst).takeIf { it >= 0 } }

    public suspend fun sendTo(src: ByteBuffer, target: UnixSocketAddress): Int =
        io.write.untilReady { socket.sendTo(src, target).takeIf { it >= 0 } }

    public suspend fun send(src: ByteBuffer): Int = io.write.untilReady { socket.send(src).takeIf { it >= 0 } }

    public fun connect(address: UnixSocketAddress) {
        socket.connect(address)
    }

    public val localAddress: UnixSocketAddress get() = socket.localAddress()

    override fun close() {
        io.close()
    }

    override fun toString(): String = "UnixDatagram($socket)"

    public companion object {
        public suspend fun bind(path: Path): UnixDatagram = from(CoreUnixDatagram.bind(path))

        /** Binds a path or a Linux abstract name. */
        public suspend fun bind(address: UnixSocketAddress): UnixDatagram = from(CoreUnixDatagram.bind(address))

        /** A socket with no name, for sending (its datagrams arrive from the unnamed address). */
        public suspend fun unbound(): UnixDatagram = from(CoreUnixDatagram.unbound())

        /** Wraps a socket made with the core API (for example `UnixDatagram.pair()`). */
        public suspend fun from(socket: CoreUnixDatagram): UnixDatagram {
            val dispatcher = currentDispatcher()
            return socket.closeOnFailure { UnixDatagram(it, dispatcher) }
        }
    }
}
