package io.jmio.coroutines.tls

import io.jmio.coroutines.EventLoopGroup
import io.jmio.coroutines.StreamReader
import io.jmio.coroutines.TcpListener
import io.jmio.coroutines.runEventLoop
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import java.security.cert.X509Certificate
import javax.net.ssl.ExtendedSSLSession
import javax.net.ssl.SNIHostName
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlin.time.Duration.Companion.seconds

class TlsOpensslTest : FunSpec({
    timeout = 120_000

    for ((flag, protocol) in listOf("-tls1_3" to "TLSv1.3", "-tls1_2" to "TLSv1.2")) {
        test("openssl s_client $flag with SNI, ALPN and a client certificate against serveTls") {
            EventLoopGroup(1).use { group ->
                runBlocking {
                    val seen = CompletableDeferred<String>()
                    val config = TlsConfig(applicationProtocols = listOf("echo/1"), clientAuth = ClientAuth.NEED)
                    val server = serveTls(group, LOOPBACK, TestPki.server, config) { conn ->
                        val sni = (conn.session as ExtendedSSLSession).requestedServerNames
                            .joinToString { (it as SNIHostName).asciiName }
                        val peer = (conn.peerCertificates.first() as X509Certificate).subjectX500Principal.name
                        seen.complete("${conn.session.protocol} ${conn.applicationProtocol} $sni $peer")
                        echo(conn)
                    }
                    try {
                        OpensslProcess(
                            "s_client", "-connect", "127.0.0.1:${server.localAddress.port}", "-servername", "localhost",
                            "-CAfile", "ca.pem", "-verify_return_error", "-alpn", "echo/1", flag,
                            "-cert", "client.pem", "-key", "client.key", "-quiet",
                        ).use { client ->
                            client.send("hello from openssl\n")
                            withContext(Dispatchers.IO) { client.awaitLine { it.isNotEmpty() } } shouldBe "hello from openssl"
                            withTimeout(10.seconds) { seen.await() } shouldBe "$protocol echo/1 localhost CN=jmio test client"
                        }
                    } finally {
                        server.job.cancelAndJoin()
                    }
                }
            }
        }
    }

    test("TlsStream.connect against openssl s_server, verifying its certificate and name") {
        // A port that was free a moment ago: s_server binds it itself.
        val port = runEventLoop { TcpListener.bind(LOOPBACK).use { it.localAddress.port } }
        OpensslProcess(
            "s_server", "-accept", "127.0.0.1:$port", "-cert", "server.pem", "-key", "server.key",
            "-alpn", "echo/1", "-rev", "-naccept", "1",
        ).use { server ->
            server.awaitLine { it == "ACCEPT" }
            runEventLoop {
                val config = TlsConfig(applicationProtocols = listOf("echo/1"))
                TlsStream.connect("localhost", port, TestPki.client, config).use { conn ->
                    conn.applicationProtocol shouldBe "echo/1"
                    conn.writeFully(ascii("hello s_server\n"))
                    withTimeout(10.seconds) { StreamReader(conn).readLine() } shouldBe "revres_s olleh"
                }
            }
        }
    }
})
