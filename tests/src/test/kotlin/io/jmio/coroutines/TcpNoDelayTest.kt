package io.jmio.coroutines

import io.jmio.net.TcpSocket
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import java.nio.ByteBuffer
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout

/**
 * Coroutine TCP streams turn Nagle's algorithm off (TCP_NODELAY), as Netty, Ktor and Go do, so a
 * request-response exchange never waits for a delayed ACK; `noDelay = false` keeps it on.
 */
class TcpNoDelayTest : FunSpec({
    timeout = 60_000

    test("connected and accepted streams have TCP_NODELAY on by default") {
        runEventLoop {
            withConnectedPair { client, conn ->
                client.socket.noDelay() shouldBe true
                conn.socket.noDelay() shouldBe true
            }
        }
    }

    test("an adopted core stream gets TCP_NODELAY on by default") {
        runEventLoop {
            TcpListener.bind(LOOPBACK_ANY_PORT).use { server ->
                TcpStream.adopt(TcpSocket.v4().connect(server.localAddress)).use { client ->
                    server.accept().close()
                    client.socket.noDelay() shouldBe true
                }
            }
        }
    }

    test("noDelay = false keeps Nagle on for connected, adopted and accepted streams") {
        runEventLoop {
            TcpListener.bind(LOOPBACK_ANY_PORT, noDelay = false).use { server ->
                server.noDelay shouldBe false
                TcpStream.connect(server.localAddress, noDelay = false).use { client ->
                    server.accept().use { conn ->
                        client.socket.noDelay() shouldBe false
                        conn.socket.noDelay() shouldBe false
                    }
                }
                val core = TcpSocket.v4().connect(server.localAddress)
                core.setNoDelay(true)
                TcpStream.adopt(core, noDelay = false).use { client ->
                    server.accept().close()
                    client.socket.noDelay() shouldBe false
                }
            }
        }
    }

    for (noDelay in listOf(null, true, false)) {
        test("serveTcp's connections: TCP_NODELAY ${noDelay ?: "by default"}") {
            EventLoopGroup(1).use { group ->
                runBlocking {
                    val seen = CompletableDeferred<Boolean>()
                    val handler: suspend kotlinx.coroutines.CoroutineScope.(TcpStream) -> Unit = { conn ->
                        seen.complete(conn.socket.noDelay())
                        echo(conn)
                    }
                    val server = if (noDelay == null) {
                        serveTcp(group, LOOPBACK_ANY_PORT, handler = handler)
                    } else {
                        serveTcp(group, LOOPBACK_ANY_PORT, noDelay = noDelay, handler = handler)
                    }
                    TcpStream.connect(server.localAddress).use { client ->
                        client.writeFully(ByteBuffer.wrap(byteArrayOf(1)))
                        withTimeout(5_000) { seen.await() } shouldBe (noDelay ?: true)
                    }
                    server.job.cancelAndJoin()
                }
            }
        }
    }
})
