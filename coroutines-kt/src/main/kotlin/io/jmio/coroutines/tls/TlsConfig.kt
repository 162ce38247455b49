package io.jmio.coroutines.tls

import javax.net.ssl.SSLParameters
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds

/** Whether a TLS server asks its clients for a certificate. */
public enum class ClientAuth {
    /** No client certificate is asked for. */
    NONE,

    /** A certificate is asked for; a client without one is still accepted. */
    WANT,

    /** A certificate is required: a client without a trusted one fails the handshake. */
    NEED,
}

/**
 * What a [TlsStream] negotiates, beyond what its `SSLContext` holds.
 *
 * ```kotlin
 * val config = TlsConfig(applicationProtocols = listOf("h2", "http/1.1"), handshakeTimeout = 5.seconds)
 * val conn = TlsStream.connect("example.com", 443, config = config)
 * println(conn.applicationProtocol)
 * ```
 *
 * @property applicationProtocols ALPN: a client offers these, a server selects the first of
 *     them that the client offers; empty (the default) for no ALPN
 * @property clientAuth servers only: whether to ask the client for a certificate
 * @property handshakeTimeout how long the handshake may take before the connection is closed with
 *     [java.net.SocketTimeoutException]; [Duration.INFINITE] for no limit
 * @property hostnameVerification clients only: check that the server's certificate names the
 *     host connected to (endpoint identification `HTTPS`). On by default; turn it off only for a
 *     peer identified otherwise, as without it any certificate the trust store accepts is taken
 * @property protocols the TLS versions to enable (`"TLSv1.3"`, `"TLSv1.2"`), or null for the
 *     context's defaults
 * @property cipherSuites the cipher suites to enable, or null for the context's defaults
 * @property configure last say over the engine's parameters (SNI matchers, named groups...),
 *     applied after everything above
 */
public class TlsConfig(
    public val applicationProtocols: List<String> = emptyList(),
    public val clientAuth: ClientAuth = ClientAuth.NONE,
    public val handshakeTimeout: Duration = DEFAULT_HANDSHAKE_TIMEOUT,
    public val hostnameVerification: Boolean = true,
    public val protocols: List<String>? = null,
    public val cipherSuites: List<String>? = null,
    public val configure: (SSLParameters) -> Unit = {},
) {
    init {
        require(handshakeTimeout.isPositive()) { "handshake timeout must be positive: $handshakeTimeout" }
    }

    internal fun applyTo(parameters: SSLParameters) {
        if (applicationProtocols.isNotEmpty()) parameters.applicationProtocols = applicationProtocols.toTypedArray()
        protocols?.let { parameters.protocols = it.toTypedArray() }
        cipherSuites?.let { parameters.cipherSuites = it.toTypedArray() }
    }

    public companion object {
        /** The default [handshakeTimeout]: 10 seconds. */
        public val DEFAULT_HANDSHAKE_TIMEOUT: Duration = 10.seconds
    }
}
