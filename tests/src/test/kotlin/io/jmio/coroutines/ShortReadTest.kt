package io.jmio.coroutines

import io.jmio.net.Shutdown
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import java.nio.ByteBuffer
import kotlinx.coroutines.delay
import kotlinx.coroutines.withTimeout

/**
 * After a read that comes back short, TCP and pipe reads park without trying the syscall, trusting
 * the next edge. These are the cases where no further edge comes, so a wrong shortcut would hang
 * (each read is bounded: a hang fails the test).
 */
class ShortReadTest : FunSpec({
    timeout = 60_000

    test("data and end of stream both queued before the read: the short read is followed by -1") {
        runEventLoop {
            withConnectedPair { client, conn ->
                client.writeFully(ByteBuffer.wrap("hello".toByteArray()))
                client.shutdown(Shutdown.WRITE)
                delay(100) // the loop sees data and hang-up in one event while nobody reads
                val buf = ByteBuffer.allocateDirect(64)
                withTimeout(5_000) { conn.read(buf) } shouldBe 5
                withTimeout(5_000) { conn.read(buf) } shouldBe -1
            }
        }
    }

    test("a pipe's last bytes and its writer's close both queued: the short read is followed by -1") {
        runEventLoop {
            val (sender, receiver) = openPipe()
            receiver.use {
                sender.use { it.writeFully(ByteBuffer.wrap(byteArrayOf(1, 2, 3))) }
                delay(100)
                val buf = ByteBuffer.allocateDirect(64)
                withTimeout(5_000) { receiver.read(buf) } shouldBe 3
                withTimeout(5_000) { receiver.read(buf) } shouldBe -1
            }
        }
    }

    test("awaitReadable after a short read consumes the edge, and the read after it still gets the data") {
        runEventLoop {
            withConnectedPair { client, conn ->
                val buf = ByteBuffer.allocateDirect(64)
                client.writeFully(ByteBuffer.wrap(byteArrayOf(1, 2, 3)))
                withTimeout(5_000) { conn.read(buf) } shouldBe 3
                client.writeFully(ByteBuffer.wrap(byteArrayOf(4, 5, 6, 7)))
                withTimeout(5_000) { conn.awaitReadable() }
                withTimeout(5_000) { conn.read(buf) } shouldBe 4
            }
        }
    }

    test("a full read does not count as short: the bytes behind it are read without a new edge") {
        runEventLoop {
            withConnectedPair { client, conn ->
                client.writeFully(ByteBuffer.wrap(ByteArray(100) { it.toByte() }))
                delay(100)
                val buf = ByteBuffer.allocateDirect(60)
                withTimeout(5_000) { conn.read(buf) } shouldBe 60
                buf.clear()
                withTimeout(5_000) { conn.read(buf) } shouldBe 40
                buf.flip()
                buf.get(0) shouldBe 60.toByte()
            }
        }
    }
})
