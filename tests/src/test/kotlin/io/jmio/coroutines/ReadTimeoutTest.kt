package io.jmio.coroutines

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.longs.shouldBeGreaterThanOrEqual
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.shouldBe
import java.net.SocketTimeoutException
import java.nio.ByteBuffer
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout

/** `readTimeout`: a read that waits too long fails with SocketTimeoutException and the stream stays usable. */
class ReadTimeoutTest : FunSpec({
    timeout = 60_000

    test("a read with no data fails with SocketTimeoutException after the timeout, and the stream stays usable") {
        runEventLoop {
            withConnectedPair { client, conn ->
                conn.readTimeout = 100.milliseconds
                val buf = ByteBuffer.allocateDirect(16)
                val started = System.nanoTime()
                shouldThrow<SocketTimeoutException> { withTimeout(10_000) { conn.read(buf) } }
                val waitedMillis = (System.nanoTime() - started) / 1_000_000
                waitedMillis shouldBeGreaterThanOrEqual 100
                waitedMillis shouldBeLessThan 5_000
                client.writeFully(ByteBuffer.wrap(byteArrayOf(1, 2)))
                withTimeout(5_000) { conn.read(buf) } shouldBe 2
            }
        }
    }

    test("reads that each get data in time never time out, however long they run in total") {
        runEventLoop {
            withConnectedPair { client, conn ->
                conn.readTimeout = 300.milliseconds
                val writer = launch {
                    repeat(20) {
                        delay(50)
                        client.writeFully(ByteBuffer.wrap(byteArrayOf(it.toByte())))
                    }
                }
                val buf = ByteBuffer.allocateDirect(1)
                repeat(20) { i ->
                    buf.clear()
                    withTimeout(10_000) { conn.readFully(buf) }
                    buf.get(0) shouldBe i.toByte()
                }
                writer.join()
            }
        }
    }

    test("awaitReadable times out too; the timeout can be switched off again") {
        runEventLoop {
            withConnectedPair { client, conn ->
                conn.readTimeout = 50.milliseconds
                shouldThrow<SocketTimeoutException> { withTimeout(10_000) { conn.awaitReadable() } }
                conn.readTimeout = Duration.INFINITE
                conn.readTimeout shouldBe Duration.INFINITE
                launch {
                    delay(200)
                    client.writeFully(ByteBuffer.wrap(byteArrayOf(7)))
                }
                withTimeout(10_000) { conn.read(ByteBuffer.allocateDirect(4)) } shouldBe 1
            }
        }
    }

    test("a timeout that is not positive is rejected") {
        runEventLoop {
            withConnectedPair { _, conn ->
                shouldThrow<IllegalArgumentException> { conn.readTimeout = Duration.ZERO }
                shouldThrow<IllegalArgumentException> { conn.readTimeout = (-5).milliseconds }
            }
        }
    }
})
