package io.jmio.coroutines.tls

import io.jmio.coroutines.TcpListener
import io.jmio.coroutines.TcpStream
import io.jmio.coroutines.runEventLoop
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.nio.ByteBuffer
import java.security.cert.X509Certificate
import java.util.Collections
import javax.net.ssl.SSLContext
import javax.net.ssl.SSLException
import kotlin.random.Random
import kotlinx.coroutines.async
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.launch

/** A real ClientHello record, as the JDK's client engine writes it for [host]. */
private fun clientHello(host: String): ByteBuffer {
    val engine = TlsStream.clientEngine(TestPki.client, host, 443, TlsConfig())
    engine.beginHandshake()
    val out = ByteBuffer.allocate(engine.session.packetBufferSize)
    engine.wrap(ByteBuffer.allocate(0), out)
    return out.flip()
}

class TlsSniTest : FunSpec({
    timeout = 120_000

    test("serverNameOf reads the name from a real ClientHello") {
        serverNameOf(clientHello("api.example.com")) shouldBe "api.example.com"
        serverNameOf(clientHello("127.0.0.1")) shouldBe null // IP literals are not sent
    }

    test("serverNameOf on cut short or corrupted ClientHellos returns a name or null, never throws") {
        val hello = clientHello("api.example.com")
        val random = Random(7)
        repeat(2000) {
            val bytes = ByteArray(hello.remaining()).also { hello.duplicate().get(it) }
            repeat(1 + random.nextInt(4)) { bytes[random.nextInt(bytes.size)] = random.nextInt(256).toByte() }
            serverNameOf(ByteBuffer.wrap(bytes, 0, random.nextInt(bytes.size + 1)))
        }
        serverNameOf(ByteBuffer.allocate(0)) shouldBe null
    }

    test("a server picks its certificate by the client's SNI") {
        runEventLoop {
            val asked = Collections.synchronizedList(ArrayList<String?>())
            val contextFor = { name: String? -> asked.add(name); if (name == "other.test") TestPki.other else TestPki.server }
            TcpListener.bind(LOOPBACK).use { listener ->
                val server = launch {
                    while (true) {
                        val conn = TlsStream.server(listener.accept(), contextFor)
                        launch { conn.use { echo(it) } }
                    }
                }
                suspend fun subjectFor(host: String): String =
                    TlsStream.client(TcpStream.connect(listener.localAddress), host, TestPki.client).use { conn ->
                        conn.writeFully(ascii("x"))
                        conn.readFully(ByteBuffer.allocate(1))
                        (conn.peerCertificates.first() as X509Certificate).subjectX500Principal.name
                    }
                subjectFor("other.test") shouldBe "CN=jmio test other"
                subjectFor("localhost") shouldBe "CN=jmio test server"
                subjectFor("127.0.0.1") shouldBe "CN=jmio test server"
                asked shouldBe listOf("other.test", "localhost", null)
                server.cancelAndJoin()
            }
        }
    }

    test("SNI selection: plaintext instead of a ClientHello still fails with SSLException") {
        runEventLoop {
            TcpListener.bind(LOOPBACK).use { listener ->
                val server = async { runCatching { TlsStream.server(listener.accept(), { _: String? -> TestPki.server }) } }
                TcpStream.connect(listener.localAddress).use { plain ->
                    plain.writeFully(ascii("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"))
                    val e = server.await().exceptionOrNull()
                    (e is SSLException) shouldBe true
                }
            }
        }
    }
})
