package io.jmio.coroutines.tls

import io.jmio.coroutines.StreamReader
import io.jmio.coroutines.StreamWriter
import io.jmio.coroutines.TcpListener
import io.jmio.coroutines.TcpStream
import io.jmio.coroutines.UnixStream
import io.jmio.coroutines.fdsOpenedSince
import io.jmio.coroutines.openFds
import io.jmio.coroutines.runEventLoop
import io.jmio.net.Shutdown
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.types.shouldBeInstanceOf
import java.io.IOException
import java.net.SocketTimeoutException
import java.nio.ByteBuffer
import java.nio.channels.AsynchronousCloseException
import java.nio.channels.ClosedChannelException
import java.security.cert.X509Certificate
import javax.net.ssl.SSLException
import javax.net.ssl.SSLHandshakeException
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.async
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout

/** Echoes until the peer's close_notify. */
internal suspend fun echo(conn: TlsStream) {
    val buf = ByteBuffer.allocate(16384)
    while (conn.read(buf) >= 0) {
        buf.flip()
        conn.writeFully(buf)
        buf.clear()
    }
}

class TlsStreamTest : FunSpec({
    timeout = 120_000

    for (protocol in listOf("TLSv1.3", "TLSv1.2")) {
        test("$protocol: handshake, echo and the negotiated session") {
            runEventLoop {
                withTlsPair(clientConfig = only(protocol)) { client, server ->
                    val echoer = launch { echo(server) }
                    client.session.protocol shouldBe protocol
                    server.session.protocol shouldBe protocol
                    client.session.cipherSuite shouldBe server.session.cipherSuite
                    (client.peerCertificates.first() as X509Certificate).subjectX500Principal.name shouldContain "jmio test server"
                    server.peerCertificates.shouldBeEmpty()
                    client.applicationProtocol shouldBe null
                    repeat(3) { round ->
                        val out = bytes(round, 1000 + round * 20_000)
                        val expected = out.duplicate()
                        val writer = launch { client.writeFully(out) }
                        val back = ByteBuffer.allocate(expected.remaining())
                        client.readFully(back)
                        writer.join()
                        back.flip() shouldBe expected
                    }
                    client.shutdown(Shutdown.WRITE)
                    withTimeout(10.seconds) { echoer.join() }
                }
            }
        }
    }

    test("a certificate for another host is refused by default") {
        runEventLoop {
            val e = shouldThrow<SSLHandshakeException> {
                withTlsPair(host = "wrong.example") { _, _ -> }
            }
            e.message!! shouldContain "wrong.example"
        }
    }

    test("with hostname verification explicitly off, a certificate for another host is accepted") {
        runEventLoop {
            withTlsPair(clientConfig = TlsConfig(hostnameVerification = false), host = "wrong.example") { client, server ->
                client.writeFully(ascii("hi"))
                val got = ByteBuffer.allocate(2)
                server.readFully(got)
                got.flip().utf8() shouldBe "hi"
            }
        }
    }

    test("an IP literal host is checked against the certificate's IP names") {
        runEventLoop {
            withTlsPair(host = "127.0.0.1") { client, _ -> client.session.protocol shouldBe "TLSv1.3" }
        }
    }

    test("ALPN: the server selects its first protocol the client offers") {
        runEventLoop {
            withTlsPair(
                clientConfig = TlsConfig(applicationProtocols = listOf("http/1.1", "h2")),
                serverConfig = TlsConfig(applicationProtocols = listOf("h2", "http/1.1")),
            ) { client, server ->
                client.applicationProtocol shouldBe "h2"
                server.applicationProtocol shouldBe "h2"
            }
        }
    }

    test("mTLS with clientAuth NEED: a client with a certificate is accepted and identified") {
        runEventLoop {
            withTlsPair(
                clientContext = TestPki.clientWithCertificate,
                serverConfig = TlsConfig(clientAuth = ClientAuth.NEED),
            ) { client, server ->
                client.writeFully(ascii("x"))
                server.readFully(ByteBuffer.allocate(1))
                (server.peerCertificates.first() as X509Certificate).subjectX500Principal.name shouldContain "jmio test client"
            }
        }
    }

    test("mTLS with clientAuth NEED: a client without a certificate is refused") {
        runEventLoop {
            TcpListener.bind(LOOPBACK).use { listener ->
                val server = async {
                    runCatching { TlsStream.server(listener.accept(), TestPki.server, TlsConfig(clientAuth = ClientAuth.NEED)) }
                }
                val client = runCatching {
                    TlsStream.client(TcpStream.connect(listener.localAddress), "localhost", TestPki.client).use { conn ->
                        // TLS 1.3 clients finish first; the server's refusal arrives as an alert on the first read.
                        conn.read(ByteBuffer.allocate(1))
                    }
                }
                server.await().exceptionOrNull().shouldBeInstanceOf<SSLHandshakeException>()
                client.exceptionOrNull().shouldBeInstanceOf<SSLException>()
            }
        }
    }

    test("close_notify both ways: each side reads -1 after the other's close") {
        runEventLoop {
            withTlsPair { client, server ->
                client.writeFully(ascii("bye"))
                client.close()
                val buf = ByteBuffer.allocate(16)
                server.readFully(ByteBuffer.allocate(3))
                server.read(buf) shouldBe -1
            }
            withTlsPair { client, server ->
                server.close()
                client.read(ByteBuffer.allocate(16)) shouldBe -1
                client.read(ByteBuffer.allocate(16)) shouldBe -1
            }
        }
    }

    for (protocol in listOf("TLSv1.3", "TLSv1.2")) {
        test("$protocol: after shutdown(WRITE) the peer reads -1 and the shut side still reads") {
            runEventLoop {
                withTlsPair(clientConfig = only(protocol)) { client, server ->
                    client.shutdown(Shutdown.WRITE)
                    server.read(ByteBuffer.allocate(16)) shouldBe -1
                    shouldThrow<ClosedChannelException> { client.writeFully(ascii("late")) }
                    if (protocol == "TLSv1.3") {
                        server.writeFully(ascii("reply"))
                        val got = ByteBuffer.allocate(5)
                        client.readFully(got)
                        got.flip().utf8() shouldBe "reply"
                        server.shutdown(Shutdown.WRITE)
                    }
                    // TLS 1.2 answers close_notify with close_notify by itself.
                    client.read(ByteBuffer.allocate(16)) shouldBe -1
                }
            }
        }
    }

    test("a TCP end without close_notify is a truncation: SSLException, never -1") {
        runEventLoop {
            TcpListener.bind(LOOPBACK).use { listener ->
                val accepted = CompletableDeferred<TcpStream>()
                val server = async {
                    val tcp = listener.accept()
                    accepted.complete(tcp)
                    TlsStream.server(tcp, TestPki.server)
                }
                TlsStream.client(TcpStream.connect(listener.localAddress), "localhost", TestPki.client).use { client ->
                    server.await().writeFully(ascii("partial"))
                    accepted.await().close() // the TCP connection ends; no close_notify was sent
                    client.readFully(ByteBuffer.allocate(7))
                    val e = shouldThrow<SSLException> { client.read(ByteBuffer.allocate(16)) }
                    e.message!! shouldContain "close_notify"
                }
                server.await().close()
            }
        }
    }

    test("plaintext sent to a TLS server fails that handshake with SSLException") {
        runEventLoop {
            TcpListener.bind(LOOPBACK).use { listener ->
                val server = async { runCatching { TlsStream.server(listener.accept(), TestPki.server) } }
                TcpStream.connect(listener.localAddress).use { plain ->
                    plain.writeFully(ascii("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"))
                    server.await().exceptionOrNull().shouldBeInstanceOf<SSLException>()
                    // The server says why in an alert and closes; the plain client sees the end.
                    val buf = ByteBuffer.allocate(1024)
                    withTimeout(5.seconds) { while (plain.read(buf) >= 0) buf.clear() }
                }
            }
        }
    }

    test("a client that never speaks: the server's handshake times out and closes the socket") {
        runEventLoop {
            TcpListener.bind(LOOPBACK).use { listener ->
                TcpStream.connect(listener.localAddress).use { silent ->
                    val started = System.nanoTime()
                    val e = shouldThrow<SocketTimeoutException> {
                        TlsStream.server(listener.accept(), TestPki.server, TlsConfig(handshakeTimeout = 300.milliseconds))
                    }
                    e.message!! shouldContain "handshake"
                    (System.nanoTime() - started >= 300_000_000L) shouldBe true
                    withTimeout(5.seconds) { silent.read(ByteBuffer.allocate(1)) } shouldBe -1
                }
            }
        }
    }

    test("a cancelled handshake closes the socket: no fd leaks") {
        runEventLoop {
            val before = openFds()
            TcpListener.bind(LOOPBACK).use { listener ->
                val client = launch {
                    TlsStream.client(TcpStream.connect(listener.localAddress), "localhost", TestPki.client)
                }
                listener.accept().use { mute ->
                    // The ClientHello has arrived: the client now waits for an answer that never comes.
                    withTimeout(5.seconds) { mute.read(ByteBuffer.allocate(1)) } shouldBe 1
                    client.cancelAndJoin()
                    val rest = ByteBuffer.allocate(4096)
                    withTimeout(5.seconds) { while (mute.read(rest) >= 0) rest.clear() }
                }
            }
            fdsOpenedSince(before).shouldBeEmpty()
        }
    }

    test("16 MiB each way at once, every byte checked") {
        runEventLoop {
            withTlsPair { client, server ->
                val size = 16 * 1024 * 1024
                val fromClient = bytes(1, size)
                val fromServer = bytes(2, size)
                val expectClient = fromClient.duplicate()
                val expectServer = fromServer.duplicate()
                val writers = listOf(launch { client.writeFully(fromClient) }, launch { server.writeFully(fromServer) })
                val atServer = async { ByteBuffer.allocate(size).also { server.readFully(it) } }
                val atClient = ByteBuffer.allocate(size)
                client.readFully(atClient)
                writers.forEach { it.join() }
                atClient.flip() shouldBe expectServer
                atServer.await().flip() shouldBe expectClient
            }
        }
    }

    test("StreamReader.readLine and StreamWriter over TLS") {
        runEventLoop {
            withTlsPair { client, server ->
                val writer = StreamWriter(client)
                repeat(100) { writer.writeString("line $it\n") }
                writer.flush()
                client.shutdown(Shutdown.WRITE)
                val reader = StreamReader(server)
                val lines = generateSequence { null as String? }.toMutableList()
                while (true) lines.add(reader.readLine() ?: break)
                lines shouldHaveSize 100
                lines.last() shouldBe "line 99"
            }
        }
    }

    test("TLS over a Unix stream pair") {
        runEventLoop {
            val (a, b) = UnixStream.pair()
            val server = async { TlsStream.server(b, TestPki.server) }
            TlsStream.client(a, "localhost", TestPki.client).use { client ->
                server.await().use { s ->
                    val echoer = launch { echo(s) }
                    client.writeFully(ascii("over unix"))
                    val got = ByteBuffer.allocate(9)
                    client.readFully(got)
                    got.flip().utf8() shouldBe "over unix"
                    client.close()
                    withTimeout(5.seconds) { echoer.join() }
                }
            }
        }
    }

    test("close is idempotent and a read after it throws ClosedChannelException") {
        runEventLoop {
            withTlsPair { client, _ ->
                client.close()
                client.close()
                shouldThrow<ClosedChannelException> { client.read(ByteBuffer.allocate(1)) }
                shouldThrow<ClosedChannelException> { client.writeFully(ascii("x")) }
            }
        }
    }

    test("a cancelled read leaves the stream usable") {
        runEventLoop {
            withTlsPair { client, server ->
                val reader = launch { client.read(ByteBuffer.allocate(16)) }
                delay(50)
                reader.cancelAndJoin()
                server.writeFully(ascii("after"))
                val got = ByteBuffer.allocate(5)
                client.readFully(got)
                got.flip().utf8() shouldBe "after"
            }
        }
    }

    test("close while a read waits resumes it with AsynchronousCloseException") {
        runEventLoop {
            withTlsPair { client, _ ->
                val reader = async { runCatching { client.read(ByteBuffer.allocate(16)) } }
                delay(50)
                client.close()
                withTimeout(5.seconds) { reader.await() }.exceptionOrNull().shouldBeInstanceOf<AsynchronousCloseException>()
            }
        }
    }

    test("a write cancelled while the peer does not read closes the stream") {
        runEventLoop {
            withTlsPair { client, server ->
                val writer = launch { client.writeFully(bytes(5, 16 * 1024 * 1024)) }
                delay(200) // the socket buffers fill: the writer waits for a peer that does not read
                writer.isActive shouldBe true
                writer.cancelAndJoin()
                shouldThrow<ClosedChannelException> { client.writeFully(ascii("x")) }
                // The peer gets the records that made it, then an error: a truncation, or a reset
                // as the client closed with the server's session ticket unread. Never a clean end.
                val buf = ByteBuffer.allocate(65536)
                shouldThrow<IOException> {
                    withTimeout(10.seconds) {
                        while (true) {
                            check(server.read(buf) >= 0) { "a clean end after a cancelled write" }
                            buf.clear()
                        }
                    }
                }
            }
        }
    }

    test("failed handshakes leave no fd open") {
        runEventLoop {
            val before = openFds()
            repeat(3) {
                shouldThrow<SSLHandshakeException> { withTlsPair(host = "wrong.example") { _, _ -> } }
                TcpListener.bind(LOOPBACK).use { listener ->
                    val server = async { runCatching { TlsStream.server(listener.accept(), TestPki.server) } }
                    TcpStream.connect(listener.localAddress).use { plain ->
                        plain.writeFully(ascii("plaintext\r\n\r\n"))
                        server.await().exceptionOrNull().shouldBeInstanceOf<SSLException>()
                    }
                }
            }
            fdsOpenedSince(before).shouldBeEmpty()
        }
    }
})
