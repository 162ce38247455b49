package io.jmio.coroutines

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.io.EOFException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.async
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield
import kotlinx.io.Buffer
import kotlinx.io.readByteArray
import kotlinx.io.readString
import kotlinx.io.writeIntLe
import kotlinx.io.writeLongLe
import kotlinx.io.writeShortLe
import kotlinx.io.writeString

/** [StreamReader] over real loopback sockets, at every boundary the issue lists. */
class StreamReaderTest : FunSpec({
    timeout = 60_000

    /** One of each value, big- and little-endian, as kotlinx-io writes them. */
    val values = Buffer().apply {
        writeByte(-2)
        writeShort(0x1234)
        writeShortLe(0x1234)
        writeInt(-0x789abcdf)
        writeIntLe(0x01020304)
        writeLong(0x0102030405060708)
        writeLongLe(-0x0102030405060708)
    }.readByteArray()

    for (readSize in listOf(1, 2, 3, 5, 7, 8192)) {
        test("values split across refills of $readSize bytes read back exactly") {
            runEventLoop {
                readingFrom(values, readSize) { input ->
                    input.readsEveryValue()
                    input.exhausted() shouldBe true
                }
            }
        }
    }

    test("end of stream inside each value: EOFException, and the partial value stays buffered") {
        runEventLoop {
            for ((size, read) in listOf<Pair<Int, suspend (StreamReader) -> Any>>(
                2 to { it.readShort() }, 2 to { it.readShortLe() }, 4 to { it.readInt() }, 4 to { it.readIntLe() },
                8 to { it.readLong() }, 8 to { it.readLongLe() }, 5 to { it.readByteArray(5) }, 5 to { it.readString(5) },
            )) {
                readingFrom(ByteArray(size - 1) { 7 }, readSize = 1) { input ->
                    shouldThrow<EOFException> { read(input) }
                    input.buffer.size shouldBe size - 1L
                }
            }
            readingFrom(ByteArray(0)) { input ->
                shouldThrow<EOFException> { input.readByte() }
                input.exhausted() shouldBe true
            }
        }
    }

    test("lines end in LF or CRLF, empty lines are lines, CRLF split across refills, null at end of stream") {
        for (readSize in listOf(1, 2, 3, 8192)) {
            runEventLoop {
                readingFrom("one\r\ntwo\n\n\r\nthree\r\n".toByteArray(), readSize) { input ->
                    input.readLine() shouldBe "one"
                    input.readLine() shouldBe "two"
                    input.readLine() shouldBe ""
                    input.readLine() shouldBe ""
                    input.readLine() shouldBe "three"
                    input.readLine() shouldBe null
                    input.readLine() shouldBe null
                }
            }
        }
    }

    test("a CR not before LF is part of the line") {
        runEventLoop {
            readingFrom("a\rb\r\r\n".toByteArray(), readSize = 1) { input -> input.readLine() shouldBe "a\rb\r" }
        }
    }

    test("multi-byte UTF-8 split across refills decodes whole") {
        val text = "é€😀 ü\n"
        runEventLoop {
            readingFrom((text + text).toByteArray(), readSize = 1) { input ->
                input.readLine() shouldBe text.trimEnd('\n')
                input.readString(text.toByteArray().size.toLong()) shouldBe text
            }
        }
    }

    test("lines that straddle kotlinx-io's 8 KiB segments, multi-byte characters across the seams, decode whole") {
        val lines = (8180..8200).map { length -> "é€😀".repeat(length / 9) + "x".repeat(length % 9) }
        for (readSize in listOf(1000, 8192)) {
            runEventLoop {
                readingFrom(lines.joinToString("\n", postfix = "\n").toByteArray(), readSize) { input ->
                    for (line in lines) (input.readLine() == line) shouldBe true
                    input.readLine() shouldBe null
                }
            }
        }
    }

    test("end of stream mid-line: readLine returns the rest, readLineStrict throws and consumes nothing") {
        runEventLoop {
            readingFrom("done\npartial".toByteArray(), readSize = 3) { input ->
                input.readLineStrict() shouldBe "done"
                shouldThrow<EOFException> { input.readLineStrict() }
                input.buffer.size shouldBe 7L
                input.readLine() shouldBe "partial"
                input.readLine() shouldBe null
                shouldThrow<EOFException> { input.readLineStrict() }
            }
        }
    }

    test("a line at the limit is read, one byte longer throws TooLongFrameException and consumes nothing") {
        for (readSize in listOf(1, 8192)) {
            runEventLoop {
                val lines = "abcd\nabcd\r\nabcde\nabcde\r\n"
                readingFrom(lines.toByteArray(), readSize) { input ->
                    input.readLine(limit = 4) shouldBe "abcd"
                    input.readLineStrict(limit = 4) shouldBe "abcd"
                    shouldThrow<TooLongFrameException> { input.readLine(limit = 4) }.message shouldContain "4 bytes"
                    shouldThrow<TooLongFrameException> { input.readLineStrict(limit = 4) }
                    input.peek().readString(6) shouldBe "abcde\n" // nothing consumed
                    input.readLine(limit = 5) shouldBe "abcde"
                    shouldThrow<TooLongFrameException> { input.readLine(limit = 4) }
                    input.readLine(limit = 5) shouldBe "abcde"
                }
            }
        }
    }

    test("a line that never ends stops at its limit: the buffer holds at most limit + 2 bytes and one refill") {
        runEventLoop {
            readingFrom(ByteArray(1 shl 20) { 'x'.code.toByte() }, readSize = 1000, thenEnd = false) { input ->
                shouldThrow<TooLongFrameException> { input.readLine(limit = 10_000) }
                input.buffer.size shouldBe 11_000L // refills of 1000 bytes stop at the first that passes limit + 2
                shouldThrow<TooLongFrameException> { input.readLine() } // the default limit, 64 KiB
                (input.buffer.size <= StreamReader.DEFAULT_LIMIT + 2L + 1000) shouldBe true
            }
        }
    }

    test("a last line without an end longer than the limit is too long, not returned") {
        runEventLoop {
            readingFrom("abcde".toByteArray()) { input ->
                shouldThrow<TooLongFrameException> { input.readLine(limit = 4) }
                input.readLine(limit = 5) shouldBe "abcde"
            }
        }
    }

    test("indexOf refills until found, stops at its end index and at end of stream, consumes nothing") {
        runEventLoop {
            readingFrom("abc;def;".toByteArray(), readSize = 1) { input ->
                input.indexOf(';'.code.toByte()) shouldBe 3L
                input.indexOf(';'.code.toByte(), startIndex = 4) shouldBe 7L
                input.indexOf('z'.code.toByte(), endIndex = 5) shouldBe -1L
                input.buffer.size shouldBe 8L
                input.indexOf('z'.code.toByte()) shouldBe -1L // end of stream
                input.buffer.readString() shouldBe "abc;def;"
            }
        }
    }

    test("readUntil: frames up to the limit, a longer one and an unterminated one consume nothing") {
        for (readSize in listOf(1, 8192)) {
            runEventLoop {
                readingFrom("ab;;abc;abcd;xy".toByteArray(), readSize) { input ->
                    val semicolon = ';'.code.toByte()
                    input.readUntil(semicolon, limit = 3).decodeToString() shouldBe "ab"
                    input.readUntil(semicolon, limit = 3).decodeToString() shouldBe ""
                    input.readUntil(semicolon, limit = 3).decodeToString() shouldBe "abc"
                    shouldThrow<TooLongFrameException> { input.readUntil(semicolon, limit = 3) }
                    input.readUntil(semicolon, limit = 4).decodeToString() shouldBe "abcd"
                    shouldThrow<EOFException> { input.readUntil(semicolon) }
                    input.buffer.readString() shouldBe "xy"
                }
            }
        }
    }

    test("skip crosses refills without buffering what it skips; past the end it throws EOFException") {
        runEventLoop {
            readingFrom(ByteArray(100_000) { (it % 251).toByte() }, readSize = 1000) { input ->
                input.skip(99_998)
                (input.buffer.size <= 1000) shouldBe true
                input.readByte() shouldBe (99_998 % 251).toByte()
                shouldThrow<EOFException> { input.skip(2) }
            }
        }
    }

    test("request, require, peek and the buffer: a parser may look ahead and use kotlinx-io between refills") {
        runEventLoop {
            readingFrom("HEAD 12345".toByteArray(), readSize = 2) { input ->
                input.request(4) shouldBe true
                input.peek().readString(4) shouldBe "HEAD"
                input.buffer.size shouldBe 4L // peek consumed nothing
                input.require(10)
                input.buffer.readString(5) shouldBe "HEAD "
                input.readString(5) shouldBe "12345"
                input.request(1) shouldBe false
                shouldThrow<EOFException> { input.require(1) }
            }
        }
    }

    test("readAtMostTo passes the stream on in bounded pieces, -1 at end") {
        runEventLoop {
            readingFrom(ByteArray(5000) { it.toByte() }, readSize = 1500) { input ->
                val out = Buffer()
                var pieces = 0
                while (true) {
                    val n = input.readAtMostTo(out, 1024)
                    if (n < 0) break
                    (n in 1..1024) shouldBe true
                    pieces++
                }
                out.readByteArray() shouldBe ByteArray(5000) { it.toByte() }
                (pieces >= 5) shouldBe true
            }
        }
    }

    test("cancelled while suspended in a refill, the reader keeps the buffered bytes and the next call sees them") {
        runEventLoop {
            withConnectedPair { client, conn ->
                val input = conn.reader()
                client.writeFully(java.nio.ByteBuffer.wrap("hel".toByteArray()))
                val waiting = CompletableDeferred<Unit>()
                val reader = launch {
                    input.request(3)
                    waiting.complete(Unit)
                    input.readLine() // suspends in a refill: no line end yet
                }
                waiting.await()
                repeat(10) { yield() } // let the reader park in its refill
                reader.cancel()
                reader.join()
                input.buffer.size shouldBe 3L
                client.writeFully(java.nio.ByteBuffer.wrap("lo\n".toByteArray()))
                withTimeout(5_000) { input.readLine() } shouldBe "hello"
            }
        }
    }

    test("a second reader while one waits in a refill gets IllegalStateException; the first still gets its line") {
        runEventLoop {
            withConnectedPair { client, conn ->
                val input = conn.reader()
                val first = async { input.readLine() }
                repeat(10) { yield() } // let it park in its refill
                shouldThrow<IllegalStateException> { input.readFrame() }.message shouldContain "another coroutine"
                shouldThrow<IllegalStateException> { input.require(1) }
                client.writeFully(java.nio.ByteBuffer.wrap("mine\n".toByteArray()))
                withTimeout(5_000) { first.await() } shouldBe "mine"
                client.writeFully(java.nio.ByteBuffer.wrap("next\n".toByteArray()))
                withTimeout(5_000) { input.readLine() } shouldBe "next" // the refill is free again
            }
        }
    }

    test("closed while suspended in a refill: the reader resumes with the close, keeps its bytes, and refills no more") {
        runEventLoop {
            withConnectedPair { client, conn ->
                val input = conn.reader()
                client.writeFully(java.nio.ByteBuffer.wrap("par".toByteArray()))
                input.request(3) shouldBe true
                val waiting = async { runCatching { input.readLine() } }
                repeat(10) { yield() }
                conn.close()
                val failure = withTimeout(5_000) { waiting.await() }.exceptionOrNull()
                (failure is java.nio.channels.AsynchronousCloseException) shouldBe true
                input.buffer.size shouldBe 3L
                shouldThrow<java.nio.channels.ClosedChannelException> { input.readLine() }
            }
        }
    }

    test("a raw read after the reader buffered: the buffered bytes are in reader.buffer, the raw read gets the rest") {
        runEventLoop {
            withConnectedPair { client, conn ->
                client.writeFully(java.nio.ByteBuffer.wrap("ab".toByteArray()))
                val input = conn.reader()
                input.readByte() shouldBe 'a'.code.toByte()
                client.writeFully(java.nio.ByteBuffer.wrap("c".toByteArray()))
                val raw = java.nio.ByteBuffer.allocate(8)
                withTimeout(5_000) { conn.read(raw) } shouldBe 1
                raw.get(0) shouldBe 'c'.code.toByte()
                input.buffer.readString() shouldBe "b"
            }
        }
    }

    test("a reader works the same over a Unix stream and a pipe") {
        runEventLoop {
            val (a, b) = UnixStream.pair()
            a.use { b.use {
                a.writeFully(java.nio.ByteBuffer.wrap("unix\n".toByteArray()))
                b.reader().readLine() shouldBe "unix"
            } }
            val (sender, receiver) = openPipe()
            receiver.use {
                sender.use { it.writeFully(java.nio.ByteBuffer.wrap("pipe\nend".toByteArray())) }
                val input = receiver.reader()
                input.readLine() shouldBe "pipe"
                input.readLine() shouldBe "end"
                input.readLine() shouldBe null
            }
        }
    }

    test("bad arguments are IllegalArgumentException") {
        runEventLoop {
            readingFrom(ByteArray(0)) { input ->
                shouldThrow<IllegalArgumentException> { input.require(-1) }
                shouldThrow<IllegalArgumentException> { input.readByteArray(-1) }
                shouldThrow<IllegalArgumentException> { input.readLine(limit = -1) }
                shouldThrow<IllegalArgumentException> { input.indexOf(0, startIndex = 5, endIndex = 4) }
            }
        }
        shouldThrow<IllegalArgumentException> { runEventLoop { withConnectedPair { _, conn -> conn.reader(readSize = 0) } } }
    }
})
