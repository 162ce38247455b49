package io.jmio.coroutines

import io.jmio.coroutines.internal.closeOnFailure
import io.jmio.coroutines.internal.incomingOf
import io.jmio.Interest
import io.jmio.coroutines.internal.SocketIo
import io.jmio.coroutines.internal.untilReady
import io.jmio.unix.UnixSocketAddress
import java.nio.file.Path
import kotlinx.coroutines.flow.Flow
import io.jmio.unix.UnixListener as CoreUnixListener

/**
 * A Unix-domain listening socket whose [accept] suspends; see [TcpListener] for the rules.
 *
 * ```kotlin
 * UnixListener.bind(dir.resolve("app.sock")).use { server ->
 *     server.incoming().collect { conn -> launch { conn.use { serve(it) } } }
 * }
 * ```
 *
 * Closing does not delete the socket file, as with the JDK and mio.
 */
public class UnixListener internal constructor(
    public val socket: CoreUnixListener,
    private val dispatcher: EventLoopDispatcher,
) : AutoCloseable {
    private val io = SocketIo(dispatcher, socket, socket, Interest.READABLE, ReadinessOnly)

    public val localAddress: UnixSocketAddress get() = socket.localAddress()

    /** Accepts the next connection, suspending until one is pending. */
    public suspend fun accept(): UnixStream = UnixStream.adopt(io.read.untilReady { socket.accept() }, dispatcher)

    /** The accepted connections; one the collector does not take is closed. */
    public fun incoming(): Flow<UnixStream> = incomingOf(::accept)

    override fun close() {
        io.close()
    }

    override fun toString(): String = "UnixListener($socket)"

    public companion object {
        public suspend fun bind(path: Path): UnixListener = adopt(CoreUnixListener.bind(path), currentDispatcher())

        /** Binds a path, a Linux abstract name, or (unnamed) an autobound abstract name. */
        public suspend fun bind(address: UnixSocketAddress): UnixListener =
            adopt(CoreUnixListener.bind(address), currentDispatcher())

        private fun adopt(listener: CoreUnixListener, dispatcher: EventLoopDispatcher): UnixListener =

            listener.closeOnFailure { UnixListener(it, dispatcher) }
    }
}
