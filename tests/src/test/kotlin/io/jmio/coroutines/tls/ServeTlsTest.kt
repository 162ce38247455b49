package io.jmio.coroutines.tls

import io.jmio.coroutines.EventLoopGroup
import io.jmio.coroutines.TcpStream
import io.jmio.net.Shutdown
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import java.net.InetSocketAddress
import java.nio.ByteBuffer
import java.util.concurrent.ConcurrentLinkedQueue
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TimeSource
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout

private suspend fun roundTrip(conn: TlsStream, text: String): String {
    conn.writeFully(ascii(text))
    val back = ByteBuffer.allocate(text.length)
    conn.readFully(back)
    return back.flip().utf8()
}

class ServeTlsTest : FunSpec({
    timeout = 120_000

    test("serveTls: clients from TlsStream.connect by host name, with ALPN, on two loops") {
        EventLoopGroup(2).use { group ->
            runBlocking {
                val seen = ConcurrentLinkedQueue<String>()
                val server = serveTls(group, LOOPBACK, TestPki.server, TlsConfig(applicationProtocols = listOf("echo/1"))) { conn ->
                    seen.add("${conn.session.protocol} ${conn.applicationProtocol}")
                    echo(conn)
                }
                val port = server.localAddress.port
                (0 until 10).map { i ->
                    async {
                        TlsStream.connect("localhost", port, TestPki.client, TlsConfig(applicationProtocols = listOf("echo/1"))).use { conn ->
                            conn.applicationProtocol shouldBe "echo/1"
                            roundTrip(conn, "client $i") shouldBe "client $i"
                        }
                    }
                }.awaitAll()
                server.job.cancelAndJoin()
                seen.toSet() shouldBe setOf("TLSv1.3 echo/1")
                seen.size shouldBe 10
            }
        }
    }

    test("serveTls: plaintext and a silent client fail alone; a bystander on the same loop is served throughout") {
        EventLoopGroup(1).use { group ->
            runBlocking {
                val timeout = 500.milliseconds
                val server = serveTls(group, LOOPBACK, TestPki.server, TlsConfig(handshakeTimeout = timeout)) { echo(it) }
                val address = InetSocketAddress("127.0.0.1", server.localAddress.port)
                TlsStream.client(TcpStream.connect(address), "localhost", TestPki.client).use { bystander ->
                    roundTrip(bystander, "before") shouldBe "before"
                    TcpStream.connect(address).use { silent ->
                        val started = TimeSource.Monotonic.markNow()
                        // A handshake while the silent one waits: it is not held up behind it.
                        TlsStream.client(TcpStream.connect(address), "localhost", TestPki.client).use { other ->
                            roundTrip(other, "meanwhile") shouldBe "meanwhile"
                        }
                        (started.elapsedNow() < timeout) shouldBe true
                        TcpStream.connect(address).use { plain ->
                            plain.writeFully(ascii("GET / HTTP/1.1\r\n\r\n"))
                            val buf = ByteBuffer.allocate(1024)
                            withTimeout(5.seconds) { while (plain.read(buf) >= 0) buf.clear() } // dropped
                        }
                        roundTrip(bystander, "during") shouldBe "during"
                        withTimeout(5.seconds) { silent.read(ByteBuffer.allocate(1)) } shouldBe -1
                        (started.elapsedNow() >= timeout) shouldBe true
                    }
                    roundTrip(bystander, "after") shouldBe "after"
                    bystander.shutdown(Shutdown.WRITE)
                    bystander.read(ByteBuffer.allocate(1)) shouldBe -1
                }
                server.job.cancelAndJoin()
            }
        }
    }
})
