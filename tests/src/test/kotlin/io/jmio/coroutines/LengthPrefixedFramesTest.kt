package io.jmio.coroutines

import io.jmio.net.Shutdown
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.io.EOFException
import java.nio.ByteBuffer
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield
import kotlinx.io.Buffer
import kotlinx.io.readByteArray

/**
 * [StreamReader.readFrame] and [StreamWriter.writeFrame] (4-byte big-endian length + payload)
 * over real loopback sockets: frames split byte by byte, at and over the limit, cut short by end
 * of stream, many in one refill, and 16 MiB with every byte checked.
 */
class LengthPrefixedFramesTest : FunSpec({
    timeout = 120_000

    /** The wire form of frames with these payloads, built by hand rather than by the writer. */
    fun wire(vararg payloads: ByteArray): ByteArray = Buffer().apply {
        for (p in payloads) {
            writeInt(p.size)
            write(p)
        }
    }.readByteArray()

    fun payload(size: Int, seed: Int = size): ByteArray = ByteArray(size) { (seed * 31 + it * 7).toByte() }

    /** A reader whose stream counts the reads the reader makes. */
    class CountingSource(private val stream: TcpStream) : SuspendingRawSource {
        var reads = 0
        override suspend fun read(dst: ByteBuffer): Int = stream.read(dst).also { reads++ }
        override fun close() = stream.close()
    }

    test("frames that arrive one byte per write, each flushed, read back whole; then null at end of stream") {
        val sizes = listOf(0, 1, 3, 4, 5, 0, 300)
        for (readSize in listOf(1, 8192)) {
            runEventLoop {
                withConnectedPair { client, conn ->
                    val bytes = wire(*sizes.map { payload(it) }.toTypedArray())
                    val trickling = launch {
                        val output = client.writer()
                        for (b in bytes) {
                            output.writeByte(b)
                            output.flush()
                            yield() // let the reader take each byte before the next is sent
                        }
                        output.close()
                    }
                    val input = conn.reader(readSize)
                    withTimeout(30_000) {
                        for (size in sizes) input.readFrame() shouldBe payload(size)
                        input.readFrame() shouldBe null
                        input.readFrame() shouldBe null
                    }
                    trickling.join()
                }
            }
        }
    }

    test("an empty frame is an empty array, not the end of the stream") {
        runEventLoop {
            readingFrom(wire(ByteArray(0), ByteArray(0))) { input ->
                input.readFrame() shouldBe ByteArray(0)
                input.readFrame() shouldBe ByteArray(0)
                input.readFrame() shouldBe null
            }
        }
    }

    test("a frame at the limit is read; one byte over throws TooLongFrameException and consumes nothing") {
        for (readSize in listOf(1, 8192)) {
            runEventLoop {
                val limit = 1000
                readingFrom(wire(payload(limit), payload(limit + 1), payload(limit + 1, seed = 9), payload(2)), readSize) { input ->
                    input.readFrame(limit) shouldBe payload(limit)
                    val buffered = input.buffer.size
                    shouldThrow<TooLongFrameException> { input.readFrame(limit) }.message shouldContain "1001 bytes"
                    // Nothing consumed, and nothing buffered beyond the length it had to read to decide.
                    input.buffer.size shouldBe maxOf(buffered, 4L)
                    input.peek().readInt() shouldBe limit + 1
                    input.readFrame(limit + 1) shouldBe payload(limit + 1) // a larger limit reads it
                    // Or the caller drops an over-limit frame, as readFrame's documentation shows.
                    shouldThrow<TooLongFrameException> { input.readFrame(limit) }
                    input.skip(input.buffer.readInt().toUInt().toLong())
                    input.readFrame(limit) shouldBe payload(2)
                    input.readFrame(limit) shouldBe null
                }
            }
        }
    }

    test("the default limit is 1 MiB, and an over-limit length fails at once without waiting for its payload") {
        runEventLoop {
            val limit = StreamReader.DEFAULT_FRAME_LIMIT
            readingFrom(wire(payload(limit)) + bytesOf(0, 0x10, 0, 1), thenEnd = false) { input ->
                input.readFrame() shouldBe payload(limit)
                shouldThrow<TooLongFrameException> { input.readFrame() } // length 1 MiB + 1, no payload sent
                input.buffer.size shouldBe 4L
            }
        }
    }

    test("a negative length is an unsigned one over any limit: TooLongFrameException, nothing consumed") {
        for (length in listOf(bytesOf(0xff, 0xff, 0xff, 0xff), bytesOf(0x80, 0, 0, 0))) {
            runEventLoop {
                readingFrom(length + payload(10), thenEnd = false) { input ->
                    val unsigned = if (length[1] == 0.toByte()) "2147483648 bytes" else "4294967295 bytes"
                    shouldThrow<TooLongFrameException> { input.readFrame(limit = Int.MAX_VALUE) }.message shouldContain unsigned
                    input.request(14)
                    input.peek().readByteArray(4) shouldBe length
                }
            }
        }
    }

    test("end of stream inside the length: EOFException, every byte kept, and again on the next call") {
        for (cut in 1..3) {
            runEventLoop {
                readingFrom(wire(payload(5)).copyOf(cut), readSize = 1) { input ->
                    shouldThrow<EOFException> { input.readFrame() }.message shouldContain "$cut of 4"
                    input.buffer.size shouldBe cut.toLong()
                    shouldThrow<EOFException> { input.readFrame() }
                    input.buffer.size shouldBe cut.toLong()
                }
            }
        }
        runEventLoop { readingFrom(ByteArray(0)) { input -> input.readFrame() shouldBe null } }
    }

    test("end of stream inside the payload: EOFException and the partial frame stays buffered") {
        for (readSize in listOf(1, 8192)) {
            runEventLoop {
                readingFrom(wire(payload(3), payload(10)).copyOf(7 + 4 + 9), readSize) { input ->
                    input.readFrame() shouldBe payload(3)
                    shouldThrow<EOFException> { input.readFrame() }.message shouldContain "frame of 10 bytes"
                    input.buffer.size shouldBe 13L
                    input.peek().readInt() shouldBe 10
                }
            }
        }
    }

    test("many frames back to back in one refill are all served from the buffer, without another read") {
        runEventLoop {
            withConnectedPair { client, conn ->
                val sizes = (0 until 300).map { it % 23 }
                val bytes = wire(*sizes.map { payload(it) }.toTypedArray())
                (bytes.size < StreamReader.DEFAULT_IO_SIZE) shouldBe true // so one refill can hold them all
                client.writeFully(ByteBuffer.wrap(bytes))
                client.shutdown(Shutdown.WRITE)
                val source = CountingSource(conn)
                val input = source.reader()
                input.require(bytes.size.toLong()) // however many reads the loopback needs to deliver them
                val reads = source.reads
                for (size in sizes) input.readFrame() shouldBe payload(size)
                source.reads shouldBe reads
                input.readFrame() shouldBe null
                source.reads shouldBe reads + 1 // the read that finds end of stream
            }
        }
    }

    test("cancelled while waiting for the rest of a frame, the reader keeps its part; the next call returns it whole") {
        runEventLoop {
            withConnectedPair { client, conn ->
                val bytes = wire(payload(100))
                client.writeFully(ByteBuffer.wrap(bytes, 0, 50))
                val input = conn.reader()
                val buffered = CompletableDeferred<Unit>()
                val reading = launch {
                    input.request(50)
                    buffered.complete(Unit)
                    input.readFrame()
                }
                buffered.await()
                repeat(10) { yield() } // let the reader park in its refill
                reading.cancel()
                reading.join()
                input.buffer.size shouldBe 50L
                client.writeFully(ByteBuffer.wrap(bytes, 50, bytes.size - 50))
                withTimeout(5_000) { input.readFrame() } shouldBe payload(100)
            }
        }
    }

    test("16 MiB of frames of every size through writeFrame and readFrame, every byte checked") {
        runEventLoop {
            withConnectedPair { client, conn ->
                val total = 16 shl 20
                val data = ByteArray(total) { (it * 7 + (it ushr 11)).toByte() }
                // Sizes from 0 to past the writer's flush threshold and kotlinx-io's segment size.
                val sizes = buildList {
                    var at = 0
                    var step = 0
                    while (at < total) {
                        val n = minOf(step, total - at)
                        add(n)
                        at += n
                        step = step * 3 % 200_003 + 1
                    }
                }
                val sending = launch {
                    val output = client.writer()
                    var at = 0
                    for ((i, n) in sizes.withIndex()) {
                        // Both overloads: from an array slice, and moved from a Buffer.
                        if (i % 2 == 0) output.writeFrame(data, at, at + n)
                        else output.writeFrame(Buffer().apply { write(data, at, at + n) })
                        at += n
                    }
                    output.close()
                }
                val input = conn.reader()
                var at = 0
                var frames = 0
                while (true) {
                    val frame = input.readFrame() ?: break
                    frame.size shouldBe sizes[frames]
                    frame.contentEquals(data.copyOfRange(at, at + frame.size)) shouldBe true
                    at += frame.size
                    frames++
                }
                frames shouldBe sizes.size
                at shouldBe total
                sending.join()
            }
        }
    }

    test("no fd outlives a reader and writer that met every kind of failure") {
        val before = openFds()
        runEventLoop {
            readingFrom(bytesOf(0, 0)) { input -> shouldThrow<EOFException> { input.readFrame() } }
            readingFrom(bytesOf(0xff, 0, 0, 0)) { input -> shouldThrow<TooLongFrameException> { input.readFrame() } }
            withConnectedPair { client, _ -> client.writer().apply { writeFrame(payload(10)) }.close() }
        }
        fdsOpenedSince(before).shouldBeEmpty()
    }

    test("bad arguments are IllegalArgumentException") {
        runEventLoop {
            withConnectedPair { client, conn ->
                shouldThrow<IllegalArgumentException> { conn.reader().readFrame(limit = -1) }
                val output = client.writer()
                shouldThrow<IllegalArgumentException> { output.writeFrame(ByteArray(3), 2, 1) }
                shouldThrow<IllegalArgumentException> { output.writeFrame(ByteArray(3), 0, 4) }
                shouldThrow<IllegalArgumentException> { output.writeFrame(Buffer(), 1) }
                output.buffer.size shouldBe 0L // a rejected frame writes no length
            }
        }
    }
})
