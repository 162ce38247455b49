package io.jmio.coroutines

import io.jmio.coroutines.internal.closeOnFailure
import io.jmio.coroutines.internal.incomingOf
import io.jmio.Interest
import io.jmio.coroutines.internal.IoAttempt
import io.jmio.coroutines.internal.SocketIo
import io.jmio.coroutines.internal.untilReady
import java.net.InetSocketAddress
import kotlinx.coroutines.flow.Flow
import io.jmio.net.TcpListener as CoreTcpListener

/**
 * A TCP listening socket whose [accept] suspends until a connection arrives.
 *
 * ```kotlin
 * runEventLoop {
 *     TcpListener.bind(InetSocketAddress("127.0.0.1", 0)).use { server ->
 *         server.incoming().collect { conn -> launch { conn.use { serve(it) } } }
 *     }
 * }
 * ```
 *
 * Accepted streams register with the listener's event loop and get TCP_NODELAY set to [noDelay]
 * (on unless the listener was made with `noDelay = false`; see [TcpStream]). Cancelling a coroutine suspended in
 * [accept] resumes it with `CancellationException` and leaves the listener usable; [close] from any
 * thread resumes it with `AsynchronousCloseException`.
 */
public class TcpListener internal constructor(
    /** The underlying non-blocking listener, for options and [CoreTcpListener.localAddress]. */
    public val socket: CoreTcpListener,
    private val dispatcher: EventLoopDispatcher,
    /** TCP_NODELAY for every accepted stream. */
    public val noDelay: Boolean,
) : AutoCloseable {
    private val io = SocketIo(dispatcher, socket, socket, Interest.READABLE, ReadinessOnly)

    /** The address this listener is bound to (with the actual port when bound to port 0). */
    public val localAddress: InetSocketAddress get() = socket.localAddress()

    /** Accepts the next connection, suspending until one is pending. */
    public suspend fun accept(): TcpStream = TcpStream.adopt(io.read.untilReady { socket.accept() }, dispatcher, noDelay)

    /**
     * The accepted connections, one per emission, until the collector stops or the listener
     * closes. A connection that the collector does not take (because it was cancelled) is closed.
     */
    public fun incoming(): Flow<TcpStream> = incomingOf(::accept)

    /** Stops listening; a coroutine suspended in [accept] resumes with `AsynchronousCloseException`. */
    override fun close() {
        io.close()
    }

    override fun toString(): String = "TcpListener($socket)"

    public companion object {
        /**
         * Binds a listener (SO_REUSEADDR, backlog [backlog]) registered with the caller's event
         * loop, or jmio's default loop when the caller runs on another dispatcher.
         *
         * @param noDelay TCP_NODELAY for every accepted stream (on by default: see [TcpStream])
         * @throws java.net.BindException if the address is taken
         */
        public suspend fun bind(address: InetSocketAddress, backlog: Int = 1024, noDelay: Boolean = true): TcpListener =
            adopt(CoreTcpListener.bind(address, backlog), currentDispatcher(), noDelay)

        /**
         * Wraps a listener made with core options (for example SO_REUSEPORT through `TcpSocket`).
         *
         * @param noDelay TCP_NODELAY for every accepted stream (on by default: see [TcpStream])
         */
        public suspend fun from(listener: CoreTcpListener, noDelay: Boolean = true): TcpListener =
            adopt(listener, currentDispatcher(), noDelay)

        internal fun adopt(listener: CoreTcpListener, dispatcher: EventLoopDispatcher, noDelay: Boolean): TcpListener =
            listener.closeOnFailure { TcpListener(it, dispatcher, noDelay) }
    }
}

/** For waiters that only need readiness and retry the syscall themselves. */
internal object ReadinessOnly : IoAttempt {
    override fun attempt(op: Int, direction: io.jmio.coroutines.internal.IoDirection): Any? = Unit
}
