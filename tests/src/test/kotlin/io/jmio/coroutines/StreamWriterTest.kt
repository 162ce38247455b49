package io.jmio.coroutines

import io.jmio.net.Shutdown
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import java.io.EOFException
import java.nio.ByteBuffer
import java.nio.channels.ClosedChannelException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout
import kotlinx.io.Buffer
import kotlinx.io.readByteArray
import kotlinx.io.writeString

/** [StreamWriter] over real loopback sockets, read back by [StreamReader] or raw reads. */
class StreamWriterTest : FunSpec({
    timeout = 120_000

    /** All bytes [conn] sends until end of stream. */
    suspend fun readAll(conn: TcpStream): ByteArray {
        val all = Buffer()
        val input = conn.reader()
        while (input.readAtMostTo(all, Long.MAX_VALUE) >= 0) Unit
        return all.readByteArray()
    }

    test("every value writes as kotlinx-io writes it, and reads back through the reader") {
        runEventLoop {
            withConnectedPair { client, conn ->
                val output = client.writer()
                output.writeByte(-2)
                output.writeShort(0x1234)
                output.writeShortLe(0x1234)
                output.writeInt(-0x789abcdf)
                output.writeIntLe(0x01020304)
                output.writeLong(0x0102030405060708)
                output.writeLongLe(-0x0102030405060708)
                output.write(byteArrayOf(9, 8, 7, 6), startIndex = 1, endIndex = 3)
                output.writeString("é€😀\n", startIndex = 1)
                output.write(Buffer().apply { writeString("buf") })
                output.write(Buffer().apply { writeString("source") } as kotlinx.io.RawSource, 3)
                output.transferFrom(Buffer().apply { writeString("rest") })
                output.close()
                val input = conn.reader(readSize = 1)
                input.readsEveryValue()
                input.readByteArray(2) shouldBe byteArrayOf(8, 7)
                input.readLine() shouldBe "€😀"
                input.readLine() shouldBe "bufsourest"
                input.readLine() shouldBe null
            }
        }
    }

    test("write(RawSource, n) from a source that ends first throws EOFException") {
        runEventLoop {
            withConnectedPair { client, _ ->
                shouldThrow<EOFException> { client.writer().write(Buffer().apply { writeByte(1) } as kotlinx.io.RawSource, 2) }
            }
        }
    }

    test("nothing is sent before flush under the threshold; one byte past it flushes by itself") {
        runEventLoop {
            withConnectedPair { client, conn ->
                val output = client.writer(flushThreshold = 100)
                repeat(100) { output.writeByte(1) }
                delay(50)
                conn.awaitReadableWithin(100) shouldBe false
                output.writeByte(2)
                output.buffer.size shouldBe 0L
                val got = ByteBuffer.allocate(101)
                withTimeout(5_000) { conn.readFully(got) }
                got.get(100) shouldBe 2.toByte()
            }
        }
    }

    test("a string longer than the threshold goes in pieces that keep surrogate pairs whole") {
        runEventLoop {
            withConnectedPair { client, conn ->
                val text = "a😀".repeat(1000) + "😀b".repeat(1000)
                val output = client.writer(flushThreshold = 12, writeSize = 7)
                output.writeString(text)
                output.close()
                (readAll(conn).decodeToString() == text) shouldBe true // not shouldBe: a failure would print 8000 chars twice
            }
        }
    }

    test("16 MiB through writer and reader in writes and reads of every size, every byte checked") {
        runEventLoop {
            withConnectedPair { client, conn ->
                val total = 16 shl 20
                val data = ByteArray(total) { (it * 7 + (it ushr 11)).toByte() }
                val sending = launch {
                    val output = client.writer()
                    var at = 0
                    var step = 1
                    while (at < total) {
                        val n = minOf(step, total - at)
                        output.write(data, at, at + n)
                        at += n
                        step = step * 3 % 200_003 + 1 // sizes from 1 byte to past the threshold
                    }
                    output.close()
                }
                val input = conn.reader()
                val got = ByteArray(total)
                var at = 0
                var step = 5
                while (at < total) {
                    val n = minOf(step, total - at)
                    input.readByteArray(n).copyInto(got, at)
                    at += n
                    step = step * 5 % 100_003 + 1
                }
                input.exhausted() shouldBe true
                sending.join()
                got.contentEquals(data) shouldBe true
            }
        }
    }

    test("against a peer that stops reading, the writer suspends with at most the threshold buffered") {
        runEventLoop {
            withConnectedPair { client, conn ->
                val threshold = 16 * 1024
                val output = client.writer(flushThreshold = threshold)
                var written = 0L
                var maxBuffered = 0L
                val total = 64_000_000L
                val writing = launch {
                    val piece = ByteArray(1000) { 1 }
                    while (written < total) {
                        output.write(piece)
                        written += piece.size
                        maxBuffered = maxOf(maxBuffered, output.buffer.size)
                    }
                    output.close()
                }
                delay(300)
                val stalledAt = written
                delay(200)
                written shouldBe stalledAt // suspended, not buffering
                (written < total / 4) shouldBe true // what the kernel's socket buffers took, far from all
                (maxBuffered <= threshold) shouldBe true
                readAll(conn).size.toLong() shouldBe total // the peer reads again: the writer resumes
                writing.join()
            }
        }
    }

    test("cancelled in a flush against a full socket, the writer loses no byte and sends none twice") {
        runEventLoop {
            withConnectedPair { client, conn ->
                val output = client.writer()
                val total = 8 shl 20
                val data = ByteArray(total) { (it % 253).toByte() }
                val flushing = CompletableDeferred<Unit>()
                val writer = launch {
                    output.write(data, 0, 1000)
                    output.buffer.write(data, 1000, total) // all buffered, so one flush must suspend
                    flushing.complete(Unit)
                    output.flush()
                }
                flushing.await()
                delay(200)
                writer.cancel()
                writer.join()
                val reading = launch { readAll(conn).contentEquals(data) shouldBe true }
                output.close() // the rest, from where the cancelled flush stopped
                reading.join()
            }
        }
    }

    test("close flushes, then closes: the peer sees every byte and end of stream; later writes throw") {
        runEventLoop {
            withConnectedPair { client, conn ->
                val output = client.writer()
                output.writeString("bye")
                output.close()
                output.close() // idempotent
                readAll(conn).decodeToString() shouldBe "bye"
                shouldThrow<ClosedChannelException> { output.writeByte(1) }
                shouldThrow<ClosedChannelException> { output.flush() }
            }
        }
    }

    test("close closes the stream even when the flush fails") {
        runEventLoop {
            withConnectedPair { client, conn ->
                val output = client.writer()
                output.write(ByteArray(1000))
                client.shutdown(Shutdown.WRITE)
                shouldThrow<java.io.IOException> { output.close() }
                shouldThrow<ClosedChannelException> { client.writeFully(ByteBuffer.allocate(1)) }
                conn.reader().exhausted() shouldBe true
            }
        }
    }

    test("length-prefixed frames (4-byte length + payload) of every size, split across refills") {
        for (readSize in listOf(1, 3, 8192)) {
            runEventLoop {
                withConnectedPair { client, conn ->
                    val sizes = listOf(0, 1, 2, 3, 4, 5, 100, 8191, 8192, 8193, 70_000)
                    launch {
                        val output = client.writer()
                        for (size in sizes) {
                            output.writeInt(size)
                            output.write(ByteArray(size) { (size + it).toByte() })
                        }
                        output.close()
                    }
                    val input = conn.reader(readSize)
                    for (size in sizes) {
                        val length = input.readInt()
                        length shouldBe size
                        input.readByteArray(length) shouldBe ByteArray(size) { (size + it).toByte() }
                    }
                    input.exhausted() shouldBe true
                }
            }
        }
    }

    test("bad arguments are IllegalArgumentException") {
        runEventLoop {
            withConnectedPair { client, _ ->
                val output = client.writer()
                shouldThrow<IllegalArgumentException> { output.write(ByteArray(3), 2, 1) }
                shouldThrow<IllegalArgumentException> { output.write(ByteArray(3), 0, 4) }
                shouldThrow<IllegalArgumentException> { output.writeString("ab", -1) }
                shouldThrow<IllegalArgumentException> { output.write(Buffer(), 1) }
                shouldThrow<IllegalArgumentException> { client.writer(flushThreshold = 0) }
            }
        }
    }
})

/** Whether [this] becomes readable within [millis]. */
private suspend fun TcpStream.awaitReadableWithin(millis: Long): Boolean =
    kotlinx.coroutines.withTimeoutOrNull(millis) { awaitReadable() } != null
