package io.jmio.net

import io.jmio.testing.directOf
import io.jmio.testing.readExactly
import io.jmio.testing.tcpPair
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.shouldBe
import java.io.File
import java.nio.ByteBuffer
import java.nio.channels.ClosedChannelException
import kotlin.random.Random

/** The pipes of this process, as "fd -> pipe:[inode]". */
internal fun openPipes(): Set<String> = File("/proc/self/fd").listFiles()!!.mapNotNull { fd ->
    val target = runCatching { java.nio.file.Files.readSymbolicLink(fd.toPath()).toString() }.getOrNull()
    if (target != null && target.startsWith("pipe:")) "${fd.name} -> $target" else null
}.toSet()

/** [Splicer]'s contract on real loopback sockets: fill, then drain; errors; fds. */
class SplicerTest : FunSpec({
    timeout = 60_000L
    blockingTest = true

    for (zeroCopy in listOf(true, false)) {
        fun open(): Splicer = if (zeroCopy) Splicer.open() else Splicer.openCopying(64 * 1024)
        val mode = if (zeroCopy) "splice" else "copy"

        test("$mode: bytes arrive in order, 1 B and 300 KiB, and end of stream reads as -1") {
            val (a, b) = tcpPair()
            val (c, d) = tcpPair()
            open().use { splicer ->
                splicer.isZeroCopy() shouldBe zeroCopy
                for (size in listOf(1, 300 * 1024)) {
                    val payload = Random(size).nextBytes(size)
                    val writer = Thread { a.writeAllSpinning(payload) }.apply { start() }
                    var moved = 0L
                    val deadline = System.nanoTime() + 10_000_000_000L
                    val received = java.io.ByteArrayOutputStream()
                    val sink = ByteBuffer.allocateDirect(64 * 1024)
                    while (received.size() < size) {
                        check(System.nanoTime() < deadline) { "moved $moved, received ${received.size()} of $size in 10 s" }
                        if (splicer.pending() == 0L) check(splicer.receive(b) >= 0) { "end of stream before all $size bytes" }
                        moved += splicer.send(c)
                        sink.clear()
                        val n = d.read(sink)
                        if (n > 0) received.write(ByteArray(n).also { sink.flip().get(it) })
                    }
                    writer.join(10_000)
                    received.toByteArray().contentEquals(payload) shouldBe true
                    moved shouldBe size.toLong()
                }
                a.shutdown(Shutdown.WRITE)
                val deadline = System.nanoTime() + 5_000_000_000L
                var last: Long
                do {
                    check(System.nanoTime() < deadline) { "no end of stream in 5 s" }
                    last = splicer.receive(b)
                } while (last == 0L)
                last shouldBe -1L
            }
            listOf(a, b, c, d).forEach { it.close() }
        }

        test("$mode: receiving with bytes pending is refused, and nothing is lost") {
            val (a, b) = tcpPair()
            val (c, d) = tcpPair()
            open().use { splicer ->
                a.write(directOf("first".toByteArray()))
                val deadline = System.nanoTime() + 5_000_000_000L
                while (splicer.receive(b) == 0L) check(System.nanoTime() < deadline) { "nothing arrived in 5 s" }
                a.write(directOf("second".toByteArray()))
                shouldThrow<IllegalStateException> { splicer.receive(b) }
                splicer.pending() shouldBe 5L
                splicer.send(c) shouldBe 5L
                splicer.send(c) shouldBe 0L // nothing pending
                readExactly(d, 5).decodeToString() shouldBe "first"
                while (splicer.receive(b) == 0L) check(System.nanoTime() < deadline) { "the rest did not arrive" }
                splicer.send(c) shouldBe 6L
                readExactly(d, 6).decodeToString() shouldBe "second"
            }
            listOf(a, b, c, d).forEach { it.close() }
        }

        test("$mode: close is idempotent; a closed splicer or stream is a ClosedChannelException") {
            val (a, b) = tcpPair()
            val splicer = open()
            b.close()
            shouldThrow<ClosedChannelException> { splicer.receive(b) }
            splicer.close()
            splicer.close()
            shouldThrow<ClosedChannelException> { splicer.receive(a) }
            shouldThrow<ClosedChannelException> { splicer.send(a) }
            a.close()
        }
    }

    test("a splicer owns two pipe fds, non-blocking and close-on-exec, and closes both") {
        val before = openPipes()
        val splicer = Splicer.open()
        val pipes = openPipes() - before
        pipes shouldHaveSize 2
        for (entry in pipes) {
            val fd = entry.substringBefore(" ->")
            val flags = File("/proc/self/fdinfo/$fd").readLines().first { it.startsWith("flags:") }
                .substringAfter(":").trim().toInt(8)
            (flags and 0x80000 != 0) shouldBe true // O_CLOEXEC
            (flags and 0x800 != 0) shouldBe true // O_NONBLOCK
        }
        splicer.close()
        (openPipes() - before) shouldHaveSize 0
    }

    test("a copying splicer needs a positive buffer size and opens no fd") {
        shouldThrow<IllegalArgumentException> { Splicer.openCopying(0) }
        val before = openPipes()
        Splicer.openCopying(1).use { it.isZeroCopy() shouldBe false }
        (openPipes() - before) shouldHaveSize 0
    }
})

/** Writes all of [bytes] from a plain thread, spinning on "would block" for at most 10 s. */
private fun TcpStream.writeAllSpinning(bytes: ByteArray) {
    val src = directOf(bytes)
    val deadline = System.nanoTime() + 10_000_000_000L
    while (src.hasRemaining()) {
        check(System.nanoTime() < deadline) { "could not write ${bytes.size} bytes in 10 s" }
        if (write(src) == 0) Thread.sleep(1)
    }
}
