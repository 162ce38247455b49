package io.jmio.coroutines

import io.jmio.net.Shutdown
import io.jmio.net.openPipes
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.shouldBe
import java.io.IOException
import java.net.StandardSocketOptions
import java.nio.ByteBuffer
import java.security.MessageDigest
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.async
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout

/**
 * [TcpStream.copyTo] between two loopback pairs, with a pipe (splice) and with a buffer: every
 * byte in order, half-close, resets, cancellation, and no pipe fd left behind.
 */
class CopyToTest : FunSpec({
    timeout = 180_000L

    /** Two connected pairs: bytes written to `into` arrive at `source`; what `sink` gets arrives at `out`. */
    suspend fun withTwoPairs(block: suspend (into: TcpStream, source: TcpStream, sink: TcpStream, out: TcpStream) -> Unit) {
        withConnectedPair { into, source -> withConnectedPair { sink, out -> block(into, source, sink, out) } }
    }

    /** SHA-256 of [size] pattern bytes, written in 64 KiB pieces by [write]. */
    suspend fun sendPattern(size: Long, write: suspend (ByteBuffer) -> Unit): ByteArray {
        val digest = MessageDigest.getInstance("SHA-256")
        val chunk = pattern(5, 64 * 1024)
        var left = size
        while (left > 0) {
            val piece = chunk.duplicate().limit(minOf(left, chunk.capacity().toLong()).toInt()) as ByteBuffer
            digest.update(piece.duplicate())
            write(piece)
            left -= piece.limit()
        }
        return digest.digest()
    }

    /** Bytes until end of stream, and their SHA-256. */
    suspend fun receiveAll(conn: TcpStream): Pair<Long, ByteArray> {
        val digest = MessageDigest.getInstance("SHA-256")
        val buffer = ByteBuffer.allocateDirect(64 * 1024)
        var total = 0L
        while (true) {
            buffer.clear()
            val n = conn.read(buffer)
            if (n < 0) return total to digest.digest()
            digest.update(buffer.flip())
            total += n
        }
    }

    for (zeroCopy in listOf(true, false)) {
        val mode = if (zeroCopy) "splice" else "copy"

        for (size in listOf(1L, 65_537L, 1L shl 20, 64L shl 20)) {
            test("$mode: $size bytes arrive in order, then the end of stream passes on") {
                val pipesBefore = openPipes()
                runEventLoop {
                    withTwoPairs { into, source, sink, out ->
                        val received = async { receiveAll(out) }
                        val copied = async { source.copyTo(sink, zeroCopy) }
                        val sent = sendPattern(size) { into.writeFully(it) }
                        into.shutdown(Shutdown.WRITE)
                        withTimeout(60_000) {
                            copied.await() shouldBe size
                            val (count, digest) = received.await()
                            count shouldBe size
                            digest.contentEquals(sent) shouldBe true
                        }
                    }
                }
                (openPipes() - pipesBefore).shouldBeEmpty()
            }
        }

        test("$mode: small and bulk messages in turn arrive in order (copying and splicing take turns)") {
            val pipesBefore = openPipes()
            val sizes = listOf(10, 4 shl 20, 10, 1, 4 shl 20, 100)
            runEventLoop {
                withTwoPairs { into, source, sink, out ->
                    val copied = async { source.copyTo(sink, zeroCopy) }
                    for ((i, size) in sizes.withIndex()) {
                        val sent = pattern(i + 7, size)
                        val writer = launch { into.writeFully(sent.duplicate()) }
                        val back = ByteBuffer.allocateDirect(size)
                        withTimeout(30_000) { out.readFully(back) }
                        writer.join()
                        withClue("message $i of $size bytes") { (back.flip() == sent) shouldBe true }
                        // Bulk switches a zero-copy copy to a pipe (kept to the end); copying never opens one.
                        if (i == 1) (openPipes() - pipesBefore).size shouldBe (if (zeroCopy) 2 else 0)
                    }
                    into.shutdown(Shutdown.WRITE)
                    withTimeout(10_000) { copied.await() } shouldBe sizes.sumOf { it.toLong() }
                    out.read(ByteBuffer.allocate(1)) shouldBe -1
                }
            }
            (openPipes() - pipesBefore).shouldBeEmpty()
        }

        test("$mode: half-close passes through each way while the other direction still flows") {
            runEventLoop {
                withTwoPairs { left, leftEnd, rightEnd, right ->
                    val toRight = async { leftEnd.copyTo(rightEnd, zeroCopy) }
                    val toLeft = async { rightEnd.copyTo(leftEnd, zeroCopy) }
                    left.writeFully(ByteBuffer.wrap("ping".toByteArray()))
                    left.shutdown(Shutdown.WRITE)
                    withTimeout(10_000) {
                        receiveAll(right).first shouldBe 4L // then end of stream: left's FIN passed on
                        right.writeFully(ByteBuffer.wrap("late reply".toByteArray()))
                        right.shutdown(Shutdown.WRITE)
                        receiveAll(left).first shouldBe 10L
                        toRight.await() shouldBe 4L
                        toLeft.await() shouldBe 10L
                    }
                }
            }
        }

        test("$mode: a source that resets mid-transfer fails the copy; no pipe is left") {
            val pipesBefore = openPipes()
            runEventLoop {
                withTwoPairs { into, source, sink, out ->
                    val copied = async(start = CoroutineStart.UNDISPATCHED) {
                        runCatching { source.copyTo(sink, zeroCopy) }
                    }
                    into.writeFully(pattern(1, 256 * 1024))
                    into.socket.setOption(StandardSocketOptions.SO_LINGER, 0)
                    into.close() // RST
                    val drain = launch { receiveAll(out) } // keeps the sink drained
                    val failure = withTimeout(10_000) { copied.await() }.exceptionOrNull()
                    withClue("copyTo should fail with the reset, got $failure") { (failure is IOException) shouldBe true }
                    drain.cancelAndJoin()
                }
            }
            (openPipes() - pipesBefore).shouldBeEmpty()
        }

        test("$mode: a sink whose peer resets fails the copy; no pipe is left") {
            val pipesBefore = openPipes()
            runEventLoop {
                withTwoPairs { into, source, sink, out ->
                    val copied = async { runCatching { source.copyTo(sink, zeroCopy) } }
                    val writer = launch { runCatching { sendPattern(64L shl 20) { into.writeFully(it) } } }
                    val first = ByteBuffer.allocateDirect(1024)
                    withTimeout(10_000) { out.readFully(first) }
                    out.socket.setOption(StandardSocketOptions.SO_LINGER, 0)
                    out.close() // RST to the sink
                    val failure = withTimeout(10_000) { copied.await() }.exceptionOrNull()
                    withClue("copyTo should fail with the reset, got $failure") { (failure is IOException) shouldBe true }
                    writer.cancelAndJoin()
                }
            }
            (openPipes() - pipesBefore).shouldBeEmpty()
        }

        test("$mode: cancelling a copy closes its pipe and leaves both streams usable") {
            val pipesBefore = openPipes()
            runEventLoop {
                withTwoPairs { into, source, sink, out ->
                    val copy = launch { source.copyTo(sink, zeroCopy) }
                    into.writeFully(ByteBuffer.wrap("one".toByteArray()))
                    val three = ByteBuffer.allocateDirect(3)
                    withTimeout(10_000) { out.readFully(three) }
                    delay(20) // the copy is parked, waiting for more
                    copy.cancelAndJoin()
                    (openPipes() - pipesBefore).shouldBeEmpty()
                    // Both streams still work, with nothing lost or duplicated.
                    into.writeFully(ByteBuffer.wrap("two".toByteArray()))
                    val two = ByteBuffer.allocateDirect(3)
                    withTimeout(10_000) { source.readFully(two) }
                    two.flip().let { ByteArray(3).also(it::get).decodeToString() } shouldBe "two"
                    sink.writeFully(ByteBuffer.wrap("three".toByteArray()))
                    val five = ByteBuffer.allocateDirect(5)
                    withTimeout(10_000) { out.readFully(five) }
                }
            }
        }
    }

    test("copying to a closed sink fails with ClosedChannelException and closes the pipe") {
        val pipesBefore = openPipes()
        runEventLoop {
            withTwoPairs { into, source, sink, _ ->
                sink.close()
                into.writeFully(ByteBuffer.wrap("x".toByteArray()))
                shouldThrow<java.nio.channels.ClosedChannelException> { withTimeout(10_000) { source.copyTo(sink) } }
            }
        }
        (openPipes() - pipesBefore).shouldBeEmpty()
    }
})
