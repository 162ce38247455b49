package io.jmio.coroutines

import io.jmio.net.fillSendBuffer
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.shouldBe
import java.net.Socket
import java.net.StandardSocketOptions
import java.nio.ByteBuffer
import kotlinx.coroutines.delay
import kotlinx.coroutines.withTimeout

/** A lingering close must not stall the event loop that performs it (see LingerCloseTest). */
class LingerCloseCoroutineTest : FunSpec({
    timeout = 60_000

    test("closing a stream with SO_LINGER 3 s on the loop thread returns at once and the loop keeps serving") {
        runEventLoop {
            TcpListener.bind(LOOPBACK_ANY_PORT).use { server ->
                server.socket.setOption(StandardSocketOptions.SO_LINGER, 3) // accepted streams inherit it
                Socket().use { peer ->
                    peer.receiveBufferSize = 4096
                    peer.connect(server.localAddress)
                    val conn = server.accept()
                    conn.socket.setOption(StandardSocketOptions.SO_SNDBUF, 4096)
                    val queued = fillSendBuffer(conn.socket)
                    val start = System.nanoTime()
                    conn.close()
                    (System.nanoTime() - start) / 1_000_000 shouldBeLessThan 1_000L
                    conn.socket.isOpen shouldBe false
                    // The loop still runs timers and serves other connections.
                    withTimeout(2_000) { delay(10) }
                    withConnectedPair { client, other ->
                        client.writeFully(ByteBuffer.wrap(byteArrayOf(42)))
                        val one = ByteBuffer.allocateDirect(1)
                        withTimeout(2_000) { other.readFully(one) }
                        one.get(0) shouldBe 42.toByte()
                    }
                    peer.soTimeout = 10_000
                    peer.getInputStream().readAllBytes().size shouldBe queued
                }
            }
        }
    }
})
