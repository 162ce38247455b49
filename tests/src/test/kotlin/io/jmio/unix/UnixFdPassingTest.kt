package io.jmio.unix

import io.jmio.Events
import io.jmio.Interest
import io.jmio.Poll
import io.jmio.testing.Emulation
import io.jmio.testing.UnixTesting.Readiness
import io.jmio.testing.UnixTesting.closeRawFd
import io.jmio.testing.UnixTesting.direct
import io.jmio.testing.UnixTesting.expectEvents
import io.jmio.testing.UnixTesting.fdTarget
import io.jmio.testing.UnixTesting.gcMillisWhileBlockedReading
import io.jmio.testing.UnixTesting.isCloseOnExec
import io.jmio.testing.UnixTesting.isNonBlocking
import io.jmio.testing.UnixTesting.makeBlocking
import io.jmio.testing.UnixTesting.openFdsTo
import io.jmio.testing.UnixTesting.rawBlockingPipe
import io.jmio.testing.UnixTesting.withDatagramPair
import io.jmio.testing.UnixTesting.withStreamPair
import io.jmio.testing.UnixTesting.withTempDir
import io.jmio.testing.UnixTesting.written
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.booleans.shouldBeTrue
import io.kotest.matchers.ints.shouldBeGreaterThanOrEqual
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.nulls.shouldNotBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.io.IOException
import java.net.SocketException
import java.nio.ByteBuffer
import java.nio.channels.ClosedChannelException
import java.util.concurrent.CountDownLatch
import kotlin.concurrent.thread

private const val TOKEN = 7L

class UnixFdPassingTest : FunSpec({
    timeout = 60_000L

    test("a passed pipe end arrives close-on-exec and reads what the original pipe's sender writes") {
        withStreamPair { a, b ->
            Pipe.open().use { pipe ->
                a.sendWithFds(direct("x"), pipe.receiver()) shouldBe 1
                val fds = IntArray(4)
                val buffer = ByteBuffer.allocateDirect(16)
                b.receiveWithFds(buffer, fds) shouldBe 1
                buffer.written() shouldBe "x".toByteArray()
                fds[0] shouldBeGreaterThanOrEqual 0
                fds.drop(1) shouldBe listOf(-1, -1, -1)
                isCloseOnExec(fds[0]).shouldBeTrue()
                fdTarget(fds[0]) shouldBe fdTarget(pipe.receiver().rawFd()) // the same pipe
                pipe.receiver().close() // the received copy is now the only reading end
                PipeReceiver.fromOwnedFd(fds[0]).use { received ->
                    pipe.sender().write(direct("through the passed fd")) shouldBe 21
                    val into = ByteBuffer.allocate(64)
                    received.read(into) shouldBe 21
                    into.written() shouldBe "through the passed fd".toByteArray()
                }
            }
        }
    }

    test("a passed socketpair end works as a UnixStream on the receiving side") {
        withStreamPair { a, b ->
            val (kept, passed) = UnixStream.pair()
            kept.use {
                passed.use { a.sendWithFds(ByteBuffer.wrap(byteArrayOf(1, 2)), passed) shouldBe 2 }
                val fds = IntArray(1)
                val buffer = ByteBuffer.allocate(8) // heap buffers bounce like plain reads
                b.receiveWithFds(buffer, fds) shouldBe 2
                buffer.written() shouldBe byteArrayOf(1, 2)
                UnixStream.fromOwnedFd(fds[0]).use { received ->
                    isNonBlocking(received.rawFd()).shouldBeTrue()
                    received.write(direct("ping")) shouldBe 4
                    val into = ByteBuffer.allocate(8)
                    kept.read(into) shouldBe 4
                    kept.write(direct("pong")) shouldBe 4
                    received.read(into.clear()) shouldBe 4
                    into.written() shouldBe "pong".toByteArray()
                }
            }
        }
    }

    test("several fds in one message arrive in order") {
        withStreamPair { a, b ->
            val pipes = List(3) { Pipe.open() }
            try {
                a.sendWithFds(direct("abc"), *pipes.map { it.receiver() }.toTypedArray()) shouldBe 3
                val fds = IntArray(5)
                b.receiveWithFds(ByteBuffer.allocateDirect(8), fds) shouldBe 3
                fds.drop(3) shouldBe listOf(-1, -1)
                for (i in 0 until 3) {
                    fdTarget(fds[i]) shouldBe fdTarget(pipes[i].receiver().rawFd())
                    closeRawFd(fds[i])
                }
            } finally {
                pipes.forEach { it.close() }
            }
        }
    }

    test("a passed listening socket keeps accepting on the other side") {
        withTempDir { dir ->
            val path = dir.resolve("handed-over")
            withStreamPair { a, b ->
                UnixListener.bind(path).use { original ->
                    a.sendWithFds(direct("L"), original) shouldBe 1
                }
                val fds = IntArray(1)
                b.receiveWithFds(ByteBuffer.allocate(1), fds) shouldBe 1
                UnixListener.fromOwnedFd(fds[0]).use { listener ->
                    Poll.open().use { poll ->
                        val events = Events.withCapacity(8)
                        poll.registry().register(listener, TOKEN, Interest.READABLE)
                        UnixStream.connect(path).use {
                            expectEvents(poll, events, TOKEN to Readiness.READABLE)
                            listener.accept().shouldNotBeNull().close()
                        }
                    }
                }
            }
        }
    }

    test("fds stay attached to their bytes: a read stops where the next batch of fds begins") {
        withStreamPair { a, b ->
            Pipe.open().use { p1 ->
                Pipe.open().use { p2 ->
                    a.sendWithFds(direct("first"), p1.receiver()) shouldBe 5
                    a.sendWithFds(direct("second"), p2.receiver()) shouldBe 6
                    val fds = IntArray(2)
                    val buffer = ByteBuffer.allocateDirect(64)
                    b.receiveWithFds(buffer, fds) shouldBe 5
                    buffer.written() shouldBe "first".toByteArray()
                    fdTarget(fds[0]) shouldBe fdTarget(p1.receiver().rawFd())
                    fds[1] shouldBe -1
                    closeRawFd(fds[0])
                    b.receiveWithFds(buffer.clear(), fds) shouldBe 6
                    fdTarget(fds[0]) shouldBe fdTarget(p2.receiver().rawFd())
                    closeRawFd(fds[0])
                }
            }
        }
    }

    test("more fds than room: the ones that arrived are closed, the bytes are kept, and it says MSG_CTRUNC").config(
        enabledOrReasonIf = Emulation.unlessQemuUser(
            "its recvmsg gives the kernel twice the control room asked for and drops the fds that do not fit " +
                "the guest's without closing them, a leak in the emulator this test would see",
        ),
    ) {
        withStreamPair { a, b ->
            val pipes = List(3) { Pipe.open() }
            try {
                a.sendWithFds(direct("zz"), *pipes.map { it.receiver() }.toTypedArray())
                val targets = pipes.map { fdTarget(it.receiver().rawFd()) }.toTypedArray()
                val before = openFdsTo(*targets)
                val fds = IntArray(1)
                val buffer = ByteBuffer.allocate(8)
                val e = shouldThrow<SocketException> { b.receiveWithFds(buffer, fds) }
                e.message shouldContain "MSG_CTRUNC"
                fds[0] shouldBe -1
                buffer.written() shouldBe "zz".toByteArray()
                openFdsTo(*targets) shouldBe before
            } finally {
                pipes.forEach { it.close() }
            }
        }
    }

    test("one fd more than room is never silently dropped, even when alignment lets the kernel deliver it") {
        withStreamPair { a, b ->
            Pipe.open().use { pipe ->
                a.sendWithFds(direct("z"), pipe.receiver(), pipe.sender())
                val target = fdTarget(pipe.receiver().rawFd()) // both ends name the same pipe
                openFdsTo(target) shouldBe 2
                shouldThrow<SocketException> { b.receiveWithFds(ByteBuffer.allocate(8), IntArray(1)) }
                    .message shouldContain "more arrived than fds has room for (1)"
                openFdsTo(target) shouldBe 2
            }
        }
    }

    test("a plain read of the carrying byte discards the fds without leaking them") {
        withStreamPair { a, b ->
            Pipe.open().use { pipe ->
                val target = fdTarget(pipe.receiver().rawFd())
                repeat(100) {
                    a.sendWithFds(direct("d"), pipe.receiver(), pipe.sender()) shouldBe 1
                    b.read(ByteBuffer.allocate(1)) shouldBe 1
                }
                openFdsTo(target) shouldBe 2
            }
        }
    }

    test("receiving with nothing queued returns 0, and -1 after the peer closed") {
        val (a, b) = UnixStream.pair()
        b.use {
            val fds = IntArray(2) { 99 }
            b.receiveWithFds(ByteBuffer.allocate(4), fds) shouldBe 0
            fds.toList() shouldBe listOf(-1, -1)
            a.close()
            b.receiveWithFds(ByteBuffer.allocate(4), fds) shouldBe -1
        }
    }

    test("an fd number that is not open fails the send with EBADF") {
        withStreamPair { a, _ ->
            val e = shouldThrow<IOException> { a.sendWithFds(direct("x"), intArrayOf(999_999)) }
            e.message shouldContain "EBADF"
        }
    }

    test("bad arguments are rejected before any syscall") {
        withStreamPair { a, b ->
            Pipe.open().use { pipe ->
                val fd = pipe.receiver().rawFd()
                shouldThrow<IllegalArgumentException> { a.sendWithFds(direct("x"), IntArray(65) { fd }) }
                    .message shouldContain "at most 64"
                shouldThrow<IllegalArgumentException> { a.sendWithFds(direct("x"), intArrayOf(fd, -3)) }
                    .message shouldContain "-3"
                shouldThrow<IllegalArgumentException> { a.sendWithFds(ByteBuffer.allocate(0), intArrayOf(fd)) }
                    .message shouldContain "at least one byte"
                shouldThrow<IllegalArgumentException> { b.receiveWithFds(ByteBuffer.allocate(4), IntArray(0)) }
                shouldThrow<IllegalArgumentException> { b.receiveWithFds(ByteBuffer.allocate(4), IntArray(65)) }
                shouldThrow<IllegalArgumentException> { b.receiveWithFds(ByteBuffer.allocate(0), IntArray(1)) }
                shouldThrow<IllegalArgumentException> {
                    b.receiveWithFds(ByteBuffer.allocateDirect(4).asReadOnlyBuffer(), IntArray(1))
                }
                // 64 is the limit, and it works.
                a.sendWithFds(direct("y"), IntArray(64) { fd }) shouldBe 1
                val fds = IntArray(64)
                b.receiveWithFds(ByteBuffer.allocate(1), fds) shouldBe 1
                fds.all { it >= 0 }.shouldBeTrue()
                fds.forEach { closeRawFd(it) }
            }
        }
    }

    test("a closed source refuses fd passing with ClosedChannelException, and nothing is sent") {
        withStreamPair { a, b ->
            val pipe = Pipe.open()
            pipe.receiver().close()
            try {
                shouldThrow<ClosedChannelException> { a.sendWithFds(direct("x"), pipe.sender(), pipe.receiver()) }
                b.read(ByteBuffer.allocate(4)) shouldBe 0
                pipe.sender().isOpen.shouldBeTrue() // released again
                a.sendWithFds(direct("y"), pipe.sender()) shouldBe 1
                val fds = IntArray(1)
                b.receiveWithFds(ByteBuffer.allocate(4), fds) shouldBe 1
                closeRawFd(fds[0])
            } finally {
                pipe.close()
            }
            shouldThrow<IllegalArgumentException> { a.sendWithFds(direct("x"), *Array(65) { b }) }
        }
    }

    test("a source closed while it is being sent never lets an unrelated fd reusing its number go instead") {
        withStreamPair { a, b ->
            val deadline = System.nanoTime() + 4_000_000_000L
            var rounds = 0
            var sent = 0
            while (rounds < 2_000 && System.nanoTime() < deadline) {
                rounds++
                val original = Pipe.open()
                original.sender().write(direct("p"))
                val start = CountDownLatch(1)
                var intruder: Pipe? = null
                val closer = thread {
                    start.await()
                    original.receiver().close()
                    intruder = Pipe.open() // likely takes the number just freed
                    intruder!!.sender().write(direct("q"))
                }
                try {
                    start.countDown()
                    try {
                        if (a.sendWithFds(direct("x"), original.receiver()) == 1) sent++ else continue
                    } catch (closed: ClosedChannelException) {
                        continue
                    }
                    val fds = IntArray(1)
                    b.receiveWithFds(ByteBuffer.allocate(4), fds) shouldBe 1
                    PipeReceiver.fromOwnedFd(fds[0]).use { received ->
                        val got = ByteBuffer.allocate(4)
                        received.read(got) shouldBe 1
                        got.written() shouldBe "p".toByteArray() // the original pipe, never the intruder
                    }
                } finally {
                    closer.join(10_000)
                    original.close()
                    intruder?.close()
                }
            }
            sent shouldBeGreaterThanOrEqual 1
        }
    }

    test("a sent pipe that the receiving side made blocking stalls only its reader in this process, never the GC") {
        withStreamPair { a, b ->
            Pipe.open().use { pipe ->
                a.sendWithFds(direct("x"), pipe.receiver()) shouldBe 1
                val fds = IntArray(1)
                b.receiveWithFds(ByteBuffer.allocate(4), fds) shouldBe 1
                try {
                    makeBlocking(fds[0]) // the receiver may: it shares the open file description
                    gcMillisWhileBlockedReading(pipe.receiver(), pipe.sender().rawFd()) shouldBeLessThan 2_500L
                } finally {
                    closeRawFd(fds[0])
                }
            }
        }
    }

    test("a closed stream refuses fd passing with ClosedChannelException") {
        val (a, b) = UnixStream.pair()
        b.use {
            a.close()
            shouldThrow<ClosedChannelException> { a.sendWithFds(direct("x"), b) }
            shouldThrow<ClosedChannelException> { a.receiveWithFds(ByteBuffer.allocate(1), IntArray(1)) }
        }
    }

    test("fromOwnedFd rejects fds of the wrong kind and leaves them open") {
        withTempDir { dir ->
            UnixListener.bind(dir.resolve("l")).use { listener ->
                shouldThrow<IllegalArgumentException> { UnixStream.fromOwnedFd(listener.rawFd()) }
                    .message shouldContain "non-listening Unix stream socket"
                listener.accept() // still open and usable
            }
            withDatagramPair { d1, d2 ->
                shouldThrow<IllegalArgumentException> { UnixStream.fromOwnedFd(d1.rawFd()) }
                shouldThrow<IllegalArgumentException> { UnixListener.fromOwnedFd(d1.rawFd()) }
                d1.send(direct("still open")) shouldBe 10
            }
            withStreamPair { s1, s2 ->
                shouldThrow<IllegalArgumentException> { UnixDatagram.fromOwnedFd(s1.rawFd()) }
                shouldThrow<IllegalArgumentException> { UnixListener.fromOwnedFd(s1.rawFd()) }
            }
            val (readEnd, writeEnd) = rawBlockingPipe().toList()
            try {
                shouldThrow<IllegalArgumentException> { UnixStream.fromOwnedFd(readEnd) }.message shouldContain "not a socket"
            } finally {
                closeRawFd(readEnd)
                closeRawFd(writeEnd)
            }
            shouldThrow<IllegalArgumentException> { UnixStream.fromOwnedFd(-1) }
            shouldThrow<IllegalArgumentException> { UnixStream.fromOwnedFd(999_999) }.message shouldContain "not open"
        }
    }
})
