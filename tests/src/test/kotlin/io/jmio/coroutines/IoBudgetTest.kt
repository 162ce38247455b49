package io.jmio.coroutines

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.ints.shouldBeLessThan
import io.kotest.matchers.nulls.shouldNotBeNull
import io.kotest.matchers.shouldBe
import java.net.Socket
import java.nio.ByteBuffer
import kotlin.concurrent.thread
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout

/**
 * A coroutine whose socket is always ready never has to suspend; the loop's I/O budget makes it
 * yield anyway, so timers and other coroutines on the same loop keep running.
 */
class IoBudgetTest : FunSpec({
    timeout = 60_000

    test("a reader that never waits for data still lets a timer on its loop fire") {
        val total = 8 shl 20
        val chunk = 16
        runEventLoop {
            TcpListener.bind(LOOPBACK_ANY_PORT).use { server ->
                // A blocking peer on its own thread keeps the socket full, so reads of 16 B never come back short.
                val peer = Socket(server.localAddress.address, server.localAddress.port)
                val writer = thread(name = "budget-writer") {
                    peer.getOutputStream().use { out ->
                        val block = ByteArray(64 * 1024)
                        repeat(total / block.size) { out.write(block) }
                    }
                }
                server.accept().use { conn ->
                    withTimeout(5_000) { conn.awaitReadable() }
                    delay(200) // let the peer fill the socket's buffers before the race starts
                    var reads = 0
                    var readsWhenTimerFired: Int? = null
                    launch {
                        delay(5)
                        readsWhenTimerFired = reads
                    }
                    val buf = ByteBuffer.allocateDirect(chunk)
                    var bytes = 0L
                    withTimeout(50_000) {
                        while (true) {
                            buf.clear()
                            val n = conn.read(buf)
                            if (n < 0) break
                            bytes += n
                            reads++
                        }
                    }
                    bytes shouldBe total.toLong()
                    readsWhenTimerFired.shouldNotBeNull() shouldBeLessThan reads / 2
                }
                writer.join(10_000)
                peer.close()
            }
        }
    }
})
