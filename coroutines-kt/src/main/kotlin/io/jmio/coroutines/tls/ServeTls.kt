package io.jmio.coroutines.tls

import io.jmio.coroutines.EventLoopGroup
import io.jmio.coroutines.TcpServer
import io.jmio.coroutines.serveTcp
import java.net.InetSocketAddress
import javax.net.ssl.SSLContext
import kotlinx.coroutines.CoroutineScope

/**
 * Serves TLS on [address] from every loop of [group], as [serveTcp] serves TCP: each accepted
 * connection handshakes in its own coroutine (so a slow or silent client holds up no other, and
 * is dropped after [TlsConfig.handshakeTimeout]), then [handler] runs with the [TlsStream], which
 * is closed (with `close_notify`) when the handler returns.
 *
 * ```kotlin
 * val context = TlsContexts.fromPemFiles(certificateChain = Path.of("cert.pem"), privateKey = Path.of("key.pem"))
 * val server = serveTls(group, InetSocketAddress("0.0.0.0", 8443), context) { conn ->
 *     val buf = ByteBuffer.allocate(16384)
 *     while (conn.read(buf) >= 0) { buf.flip(); conn.writeFully(buf); buf.clear() }
 * }
 * ```
 *
 * A connection whose handshake fails (plaintext, a bad record, an untrusted client certificate)
 * ends quietly, as an `IOException` in a [serveTcp] handler does; the others go on.
 */
public fun CoroutineScope.serveTls(
    group: EventLoopGroup,
    address: InetSocketAddress,
    context: SSLContext,
    config: TlsConfig = TlsConfig(),
    backlog: Int = 1024,
    noDelay: Boolean = true,
    handler: suspend CoroutineScope.(TlsStream) -> Unit,
): TcpServer = serveTcp(group, address, backlog, noDelay) { tcp ->
    TlsStream.server(tcp, context, config).use { handler(it) }
}

/**
 * [serveTls] with the `SSLContext` picked per connection by the host name the client sent as SNI
 * (null if none): one listener for several names, each with its own certificate. See
 * [TlsStream.server].
 *
 * ```kotlin
 * serveTls(group, InetSocketAddress(443), { name -> contexts[name] ?: fallback }) { conn -> serve(conn) }
 * ```
 */
public fun CoroutineScope.serveTls(
    group: EventLoopGroup,
    address: InetSocketAddress,
    contextFor: (serverName: String?) -> SSLContext,
    config: TlsConfig = TlsConfig(),
    backlog: Int = 1024,
    noDelay: Boolean = true,
    handler: suspend CoroutineScope.(TlsStream) -> Unit,
): TcpServer = serveTcp(group, address, backlog, noDelay) { tcp ->
    TlsStream.server(tcp, contextFor, config).use { handler(it) }
}
