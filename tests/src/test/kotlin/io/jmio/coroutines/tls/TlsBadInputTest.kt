package io.jmio.coroutines.tls

import io.jmio.coroutines.TcpListener
import io.jmio.coroutines.TcpStream
import io.jmio.coroutines.fdsOpenedSince
import io.jmio.coroutines.openFds
import io.jmio.coroutines.runEventLoop
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.collections.shouldNotBeEmpty
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.types.shouldBeInstanceOf
import java.nio.ByteBuffer
import java.security.cert.CertificateExpiredException
import javax.net.ssl.SSLException
import javax.net.ssl.SSLHandshakeException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.withTimeout

/**
 * Runs [block] beside a bystander TLS connection on the same loop, echoing, which must still be
 * served after it.
 */
private suspend fun <T> withBystander(block: suspend CoroutineScope.(bystander: TlsStream) -> T): T =
    withTlsPair { bystander, bystanderServer -> coroutineScope {
        val echoer = launch { echo(bystanderServer) }
        val result = block(bystander)
        bystander.writeFully(ascii("still here"))
        val back = ByteBuffer.allocate(10)
        bystander.readFully(back)
        back.flip().utf8() shouldBe "still here"
        bystander.close() // close_notify: the echo ends
        withTimeout(5.seconds) { echoer.join() }
        result
    } }

/**
 * A handshaken TLS pair whose client side also hands out its raw TCP stream, so a test can put
 * bytes on the wire that no TLS stack would send; beside a bystander.
 */
private suspend fun withRawClient(block: suspend (raw: TcpStream, server: TlsStream, bystander: TlsStream) -> Unit) =
    withBystander { bystander ->
        TcpListener.bind(LOOPBACK).use { listener ->
            val server = async { TlsStream.server(listener.accept(), TestPki.server) }
            val raw = TcpStream.connect(listener.localAddress)
            TlsStream.client(raw, "localhost", TestPki.client).use {
                server.await().use { s -> block(raw, s, bystander) }
            }
        }
    }

class TlsBadInputTest : FunSpec({
    timeout = 120_000

    test("a garbage record after the handshake fails that read with SSLException; a bystander goes on") {
        runEventLoop {
            suspend fun garbage() = withRawClient { raw, server, _ ->
                // An application-data record whose ciphertext authenticates nothing.
                val record = ByteBuffer.allocate(5 + 64)
                record.put(23).put(3).put(3).putShort(64)
                repeat(64) { record.put((it * 37).toByte()) }
                raw.writeFully(record.flip())
                shouldThrow<SSLException> { withTimeout(5.seconds) { server.read(ByteBuffer.allocate(16)) } }
            }
            garbage() // first, so that what the JVM opens once for good is open before we count
            val before = openFds()
            repeat(3) { garbage() }
            fdsOpenedSince(before).shouldBeEmpty()
        }
    }

    test("a record header announcing more than TLS allows fails with SSLException, without waiting for it") {
        runEventLoop {
            withRawClient { raw, server, _ ->
                raw.writeFully(ByteBuffer.wrap(byteArrayOf(23, 3, 3, 0xff.toByte(), 0xff.toByte())))
                shouldThrow<SSLException> { withTimeout(5.seconds) { server.read(ByteBuffer.allocate(16)) } }
            }
        }
    }

    test("an expired server certificate fails the client's handshake with SSLHandshakeException saying so; a bystander goes on") {
        runEventLoop {
            /** One refused handshake: the client's exception, and the server's. */
            suspend fun expired(): Pair<SSLHandshakeException, Throwable?> = withBystander {
                TcpListener.bind(LOOPBACK).use { listener ->
                    val server = async { runCatching { TlsStream.server(listener.accept(), TestPki.expired) } }
                    val client = shouldThrow<SSLHandshakeException> {
                        TlsStream.client(TcpStream.connect(listener.localAddress), "localhost", TestPki.client)
                    }
                    client to withTimeout(5.seconds) { server.await() }.exceptionOrNull()
                }
            }
            val (client, server) = expired() // first, so that what the JVM opens once for good is open before we count
            client.message!! shouldContain "validity check failed"
            generateSequence<Throwable>(client) { it.cause }.filterIsInstance<CertificateExpiredException>().toList().shouldNotBeEmpty()
            // The client's alert tells the server why.
            server.shouldBeInstanceOf<SSLHandshakeException>().message!! shouldContain "certificate"
            val before = openFds()
            repeat(3) { expired() }
            fdsOpenedSince(before).shouldBeEmpty()
        }
    }

    test("a truncated handshake (the client stops mid-ClientHello) fails with SSLException") {
        runEventLoop {
            TcpListener.bind(LOOPBACK).use { listener ->
                val server = async { runCatching { TlsStream.server(listener.accept(), TestPki.server) } }
                TcpStream.connect(listener.localAddress).use { raw ->
                    // A handshake record header promising 512 bytes, then 3 of them, then the end.
                    raw.writeFully(ByteBuffer.wrap(byteArrayOf(22, 3, 1, 2, 0, 1, 0, 1)))
                    raw.shutdown(io.jmio.net.Shutdown.WRITE)
                    val e = withTimeout(5.seconds) { server.await() }.exceptionOrNull()
                    (e is SSLException) shouldBe true
                }
            }
        }
    }
})
