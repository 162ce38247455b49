package io.jmio.coroutines.tls

import io.jmio.coroutines.HostResolver
import io.jmio.coroutines.SuspendingRawSink
import io.jmio.coroutines.SuspendingRawSource
import io.jmio.coroutines.TcpStream
import io.jmio.coroutines.UnixStream
import io.jmio.net.Shutdown
import java.io.EOFException
import java.net.SocketTimeoutException
import java.nio.ByteBuffer
import java.security.cert.Certificate
import javax.net.ssl.SNIHostName
import javax.net.ssl.SSLContext
import javax.net.ssl.SSLEngine
import javax.net.ssl.SSLPeerUnverifiedException
import javax.net.ssl.SSLSession
import kotlin.time.Duration
import kotlinx.coroutines.withTimeoutOrNull

/**
 * A TLS connection over a jmio coroutine byte stream ([TcpStream] or [UnixStream]), whose reads
 * and writes suspend, driven by the JDK's `SSLEngine` from a caller-supplied `SSLContext` (so
 * any provider plugs in). It is a [SuspendingRawSource] and [SuspendingRawSink], so
 * [io.jmio.coroutines.StreamReader] and [io.jmio.coroutines.StreamWriter] work over it.
 *
 * ```kotlin
 * TlsStream.connect("example.com", 443).use { conn ->
 *     conn.writeFully(ByteBuffer.wrap("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n".toByteArray()))
 *     val reply = ByteBuffer.allocate(4096)
 *     conn.read(reply)
 *     println("${conn.session.protocol} ${conn.session.cipherSuite}")
 * }
 * ```
 *
 * Every way to make one ([connect], [client], [server], [serveTls]) completes the handshake
 * before it returns, within [TlsConfig.handshakeTimeout]. The handshake never blocks the loop:
 * the engine's delegated tasks run on `Dispatchers.IO` and the handshake resumes on the caller's
 * dispatcher.
 *
 * **End of stream:** [read] returns -1 once the peer's `close_notify` arrived. A transport that
 * ends without it is a truncation, reported as `SSLException`, never as an end. [close] sends
 * `close_notify`; [shutdown] with [Shutdown.WRITE] sends it and keeps reading (TLS 1.3 half-close;
 * a TLS 1.2 peer answers with its own and ends).
 *
 * **Concurrency:** one reader and one writer may run at the same time; further readers (or
 * writers) wait their turn. [close] may come from any thread.
 *
 * **Cancellation:** a cancelled [read] has read nothing and the stream stays usable. A cancelled
 * write, shutdown or handshake closes the stream and its transport, as a TLS record half sent
 * cannot be taken back. [close] resumes a waiting coroutine with `AsynchronousCloseException`.
 */
public class TlsStream private constructor(private val io: TlsEngineIo) : SuspendingRawSource, SuspendingRawSink {
    /**
     * The session negotiated: protocol (`"TLSv1.3"`), cipher suite, peer certificates (see
     * [peerCertificates]).
     */
    public val session: SSLSession get() = io.engine.session

    /** The protocol ALPN selected (`"h2"`), or null if none was. */
    public val applicationProtocol: String? get() = io.engine.applicationProtocol?.takeIf { it.isNotEmpty() }

    /** The peer's certificate chain, its own first; empty if it sent none (a client without a certificate). */
    public val peerCertificates: List<Certificate>
        get() = try {
            session.peerCertificates.toList()
        } catch (none: SSLPeerUnverifiedException) {
            emptyList()
        }

    /**
     * Reads plaintext into [dst] from its position, suspending until at least one byte is there:
     * the number of bytes read, -1 after the peer's `close_notify`, or 0 only if [dst] has no room.
     *
     * @throws javax.net.ssl.SSLException if the connection ended without `close_notify`, or a record was bad
     */
    override suspend fun read(dst: ByteBuffer): Int = io.read(dst)

    /** Reads until [dst] is full. @throws EOFException if the stream ends first */
    public suspend fun readFully(dst: ByteBuffer) {
        while (dst.hasRemaining()) {
            if (read(dst) < 0) throw EOFException("end of stream with ${dst.remaining()} bytes still expected")
        }
    }

    /** Writes one record's worth of [src] (up to 16 KiB), suspending until it is sent: the plaintext bytes taken. */
    public suspend fun write(src: ByteBuffer): Int = io.write(src)

    /** Writes all of [src], suspending whenever the transport is full. */
    override suspend fun writeFully(src: ByteBuffer): Unit = io.writeFully(src)

    /**
     * [Shutdown.WRITE] sends `close_notify` and ends the transport's output, and reads go on;
     * [Shutdown.READ] makes reads return -1; [Shutdown.BOTH] does both. It suspends while a
     * writer is busy. Writes after [Shutdown.WRITE] throw `ClosedChannelException`.
     */
    public suspend fun shutdown(how: Shutdown): Unit = io.shutdown(how)

    /**
     * Sends `close_notify` if it can without waiting (no write in progress, room in the socket),
     * then closes the transport; a coroutine waiting on it resumes with
     * `AsynchronousCloseException`. Idempotent. For a `close_notify` that waits for a full socket,
     * call [shutdown] first.
     */
    override fun close(): Unit = io.close()

    override fun toString(): String = "TlsStream(${session.protocol}, ${io.engine.peerHost}:${io.engine.peerPort})"

    public companion object {
        /**
         * Connects to [port] on [host] with [TcpStream.connect] (Happy Eyeballs), then handshakes
         * as a client: SNI names [host], the server's certificate must name [host] unless
         * [TlsConfig.hostnameVerification] is off, and [TlsConfig.applicationProtocols] are offered.
         *
         * ```kotlin
         * val conn = TlsStream.connect("example.com", 443, config = TlsConfig(applicationProtocols = listOf("http/1.1")))
         * ```
         *
         * **Cancellation and timeout:** [connectTimeout] covers the TCP connect, the config's
         * handshake timeout the handshake; either passing, or the caller's cancellation, closes
         * the socket.
         *
         * @param context the engine's source: its trust managers judge the server's certificate
         *     (the JDK's default trust store by default), its key managers hold a client
         *     certificate, if any
         * @param config ALPN, protocols, handshake timeout, hostname verification
         * @param resolver turns [host] into addresses; see [HostResolver]
         * @throws javax.net.ssl.SSLHandshakeException if the handshake fails (an untrusted or
         *     wrong-host certificate, no common protocol); its message says why
         * @throws java.net.SocketTimeoutException if a timeout passes
         * @throws java.net.ConnectException if no address of [host] accepts the connection
         */
        public suspend fun connect(
            host: String,
            port: Int,
            context: SSLContext = SSLContext.getDefault(),
            config: TlsConfig = TlsConfig(),
            connectTimeout: Duration = Duration.INFINITE,
            resolver: HostResolver = HostResolver.SYSTEM,
        ): TlsStream {
            val tcp = TcpStream.connect(host, port, timeout = connectTimeout, resolver = resolver)
            return client(tcp, host, context, config, port)
        }

        /**
         * Handshakes as a client of [host] over [stream], which it then owns (closing it on
         * failure). [host] is sent as SNI and checked against the certificate as in [connect];
         * [port] only keys the session cache, for resumption.
         */
        public suspend fun client(
            stream: TcpStream,
            host: String,
            context: SSLContext = SSLContext.getDefault(),
            config: TlsConfig = TlsConfig(),
            port: Int = stream.peerAddress.port,
        ): TlsStream = open(stream.asTlsTransport(), { clientEngine(context, host, port, config) }, config)

        /** As [client] over a TCP stream, over a Unix stream: [host] names the certificate expected. */
        public suspend fun client(
            stream: UnixStream,
            host: String,
            context: SSLContext = SSLContext.getDefault(),
            config: TlsConfig = TlsConfig(),
        ): TlsStream = open(stream.asTlsTransport(), { clientEngine(context, host, -1, config) }, config)

        /**
         * Handshakes as a server over [stream] (an accepted connection), which it then owns:
         * [context] holds the server's key and certificate ([TlsContexts.fromPem] builds one),
         * [TlsConfig.clientAuth] says whether to ask for the client's.
         */
        public suspend fun server(stream: TcpStream, context: SSLContext, config: TlsConfig = TlsConfig()): TlsStream =
            open(stream.asTlsTransport(), { serverEngine(context, config) }, config)

        /** As [server] over a TCP stream, over a Unix stream. */
        public suspend fun server(stream: UnixStream, context: SSLContext, config: TlsConfig = TlsConfig()): TlsStream =
            open(stream.asTlsTransport(), { serverEngine(context, config) }, config)

        /**
         * Handshakes as a server over [stream] with the context [contextFor] picks by the host
         * name the client sent as SNI (null if it sent none): one server, several names, each
         * with its own certificate. [contextFor] runs on the caller's dispatcher, once the
         * ClientHello has arrived; the handshake timeout covers the wait for it.
         *
         * ```kotlin
         * val conn = TlsStream.server(accepted, { name -> if (name == "api.example.com") api else www })
         * ```
         */
        public suspend fun server(
            stream: TcpStream,
            contextFor: (serverName: String?) -> SSLContext,
            config: TlsConfig = TlsConfig(),
        ): TlsStream = open(stream.asTlsTransport(), config) { transport ->
            val hello = readFirstRecord(transport)
            TlsEngineIo(transport, serverEngine(contextFor(serverNameOf(hello)), config), hello)
        }

        private suspend fun open(transport: TlsTransport, engine: () -> SSLEngine, config: TlsConfig): TlsStream =
            open(transport, config) { TlsEngineIo(it, engine()) }

        /** Makes the engine's I/O, then handshakes over [transport] within the config's timeout; closes [transport] on any failure. */
        internal suspend fun open(transport: TlsTransport, config: TlsConfig, start: suspend (TlsTransport) -> TlsEngineIo): TlsStream {
            var made: TlsEngineIo? = null
            try {
                withTimeoutOrNull(config.handshakeTimeout) { start(transport).also { made = it }.handshake() }
                    ?: throw SocketTimeoutException("TLS handshake over $transport timed out after ${config.handshakeTimeout}")
                return TlsStream(made!!)
            } catch (e: Throwable) {
                made?.close() ?: transport.close()
                throw e
            }
        }

        internal fun clientEngine(context: SSLContext, host: String, port: Int, config: TlsConfig): SSLEngine {
            val engine = context.createSSLEngine(host, port)
            engine.useClientMode = true
            val parameters = engine.sslParameters
            if (config.hostnameVerification) parameters.endpointIdentificationAlgorithm = "HTTPS"
            // A name SNI cannot carry (an underscore, say) is still verified against the certificate.
            if (!isIpLiteral(host)) runCatching { SNIHostName(host) }.onSuccess { parameters.serverNames = listOf(it) }
            config.applyTo(parameters)
            config.configure(parameters)
            engine.sslParameters = parameters
            return engine
        }

        internal fun serverEngine(context: SSLContext, config: TlsConfig): SSLEngine {
            val engine = context.createSSLEngine()
            engine.useClientMode = false
            val parameters = engine.sslParameters
            when (config.clientAuth) {
                ClientAuth.NONE -> {}
                ClientAuth.WANT -> parameters.wantClientAuth = true
                ClientAuth.NEED -> parameters.needClientAuth = true
            }
            config.applyTo(parameters)
            config.configure(parameters)
            engine.sslParameters = parameters
            return engine
        }

        /** SNI carries host names only (RFC 6066): an IP literal is left out. */
        private fun isIpLiteral(host: String): Boolean = ':' in host || host.all { it.isDigit() || it == '.' }
    }
}
