package io.jmio.coroutines.tls

import io.jmio.coroutines.EventLoopGroup
import io.jmio.coroutines.StreamReader
import io.jmio.coroutines.TcpListener
import io.jmio.coroutines.runEventLoop
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import java.io.File
import java.security.cert.X509Certificate
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import javax.net.ssl.ExtendedSSLSession
import javax.net.ssl.SNIHostName
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlin.time.Duration.Companion.seconds

/** An `openssl` child process whose stdout lines arrive in [lines]; killed by [close]. */
private class OpensslProcess(vararg args: String) : AutoCloseable {
    private val log = File.createTempFile("jmio-openssl", ".log")
    val process: Process = ProcessBuilder("openssl", *args).directory(TestPki.dir.toFile())
        .redirectError(log).start()
    private val lines = LinkedBlockingQueue<String>()

    init {
        Thread {
            runCatching { process.inputStream.bufferedReader().forEachLine { lines.add(it) } }
        }.apply { isDaemon = true }.start()
    }

    /** The next stdout line that [matches], waiting at most 10 s for it. */
    fun awaitLine(matches: (String) -> Boolean): String {
        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10)
        while (true) {
            val left = deadline - System.nanoTime()
            val line = lines.poll(maxOf(left, 0), TimeUnit.NANOSECONDS)
                ?: error("openssl ${process.info().arguments().orElse(emptyArray()).firstOrNull()} printed no such line; stderr: ${log.readText()}")
            if (matches(line)) return line
        }
    }

    fun send(text: String) {
        process.outputStream.write(text.toByteArray())
        process.outputStream.flush()
    }

    override fun close() {
        process.destroyForcibly()
        process.waitFor(5, TimeUnit.SECONDS)
        log.delete()
    }
}

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
