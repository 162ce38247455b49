package io.jmio.examples.server

import io.jmio.coroutines.EventLoopGroup
import io.jmio.coroutines.TcpServer
import io.jmio.coroutines.TcpStream
import io.jmio.coroutines.serveTcp
import io.jmio.coroutines.tls.TlsConfig
import io.jmio.coroutines.tls.serveTls
import java.net.InetSocketAddress
import javax.net.ssl.SSLContext
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.job
import kotlinx.coroutines.runBlocking

/**
 * A TCP server on coroutines: [threads] event loops, each with its own SO_REUSEPORT listener, and
 * a coroutine per connection running the handler, over TLS if asked. What every coroutine example
 * is built on.
 *
 * ```kotlin
 * CoroutineServer.start(InetSocketAddress("127.0.0.1", 0), threads = 2) { conn ->
 *     val buffer = ByteBuffer.allocateDirect(16 * 1024)
 *     while (conn.read(buffer) >= 0) { buffer.flip(); conn.writeFully(buffer); buffer.clear() }
 * }.use { server -> println(server.localAddress()) }
 * ```
 *
 * [stop] cancels the listeners and every connection's coroutine; [await] then waits for them and
 * closes the loops, which closes any socket still open.
 */
class CoroutineServer private constructor(
    private val group: EventLoopGroup,
    private val scope: CoroutineScope,
    private val server: TcpServer,
) : RunningServer {
    override fun localAddress(): InetSocketAddress = server.localAddress

    override fun stop() {
        scope.cancel()
    }

    override fun await() {
        runBlocking { scope.coroutineContext.job.join() }
        group.close()
    }

    companion object {
        /**
         * Binds [address] on [threads] loops and serves each connection with [handler]. [background]
         * starts work that lives as long as the server (a timer, say) in the server's scope, on loop 0.
         *
         * @throws java.net.BindException if the address is taken
         */
        fun start(
            address: InetSocketAddress,
            threads: Int,
            background: CoroutineScope.() -> Unit = {},
            handler: suspend CoroutineScope.(TcpStream) -> Unit,
        ): CoroutineServer = launch(threads, background) { group -> serveTcp(group, address, handler = handler) }

        /**
         * [start] for a handler that serves plain TCP and TLS alike ([ServerConnection]): with
         * [tls], each connection handshakes first ([serveTls], within [TlsConfig.handshakeTimeout];
         * one that fails is dropped quietly), and the handler sees the TLS stream; without it, the
         * TCP stream as it is.
         *
         * @throws java.net.BindException if the address is taken
         */
        fun start(
            address: InetSocketAddress,
            threads: Int,
            tls: SSLContext?,
            tlsConfig: TlsConfig = TlsConfig(),
            handler: suspend CoroutineScope.(ServerConnection) -> Unit,
        ): CoroutineServer = launch(threads) { group ->
            if (tls == null) {
                serveTcp(group, address) { conn -> handler(conn.asServerConnection()) }
            } else {
                serveTls(group, address, tls, tlsConfig) { conn -> handler(conn.asServerConnection()) }
            }
        }

        /** The one life cycle of both: [threads] loops, a scope on loop 0, and what [serve] binds in it. */
        private fun launch(
            threads: Int,
            background: CoroutineScope.() -> Unit = {},
            serve: CoroutineScope.(EventLoopGroup) -> TcpServer,
        ): CoroutineServer {
            val group = EventLoopGroup(threads)
            try {
                val scope = CoroutineScope(SupervisorJob() + group[0])
                val server = scope.serve(group)
                scope.background()
                return CoroutineServer(group, scope, server)
            } catch (e: Throwable) {
                group.close()
                throw e
            }
        }
    }
}
