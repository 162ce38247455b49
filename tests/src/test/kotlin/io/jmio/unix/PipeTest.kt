package io.jmio.unix

import io.jmio.Events
import io.jmio.Interest
import io.jmio.Poll
import io.jmio.testing.UnixTesting.Readiness
import io.jmio.testing.UnixTesting.closeRawFd
import io.jmio.testing.UnixTesting.direct
import io.jmio.testing.UnixTesting.expectEvents
import io.jmio.testing.UnixTesting.fdTarget
import io.jmio.testing.UnixTesting.gcMillisWhileBlockedReading
import io.jmio.testing.UnixTesting.isCloseOnExec
import io.jmio.testing.UnixTesting.isNonBlocking
import io.jmio.testing.UnixTesting.makeBlocking
import io.jmio.testing.UnixTesting.rawOpen
import io.jmio.testing.UnixTesting.withStreamPair
import io.jmio.testing.UnixTesting.withTempDir
import io.jmio.testing.UnixTesting.rawBlockingPipe
import io.jmio.testing.UnixTesting.readAtLeast
import io.jmio.testing.UnixTesting.written
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.booleans.shouldBeFalse
import io.kotest.matchers.booleans.shouldBeTrue
import io.kotest.matchers.longs.shouldBeGreaterThan
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.io.File
import java.net.SocketException
import java.nio.ByteBuffer
import java.nio.channels.ClosedChannelException
import java.nio.file.Files
import java.util.concurrent.TimeUnit

private const val RECEIVER = 0L
private const val SENDER = 1L
private val DATA1 = "Hello world".toByteArray()

class PipeTest : FunSpec({
    timeout = 60_000L

    lateinit var poll: Poll
    lateinit var events: Events
    beforeTest {
        poll = Poll.open()
        events = Events.withCapacity(8)
    }
    afterTest { poll.close() }

    /** mio's expect_one_closed_event: one poll of up to a second returns exactly one event, closed as asked. */
    fun expectOneClosedEvent(token: Long, readClosed: Boolean) {
        poll.poll(events, 1_000L)
        events.size() shouldBe 1
        val event = events.get(0)
        event.token() shouldBe token
        if (readClosed) event.isReadClosed.shouldBeTrue() else event.isWriteClosed.shouldBeTrue()
    }

    test("smoke: an empty receiver would block; a write makes it readable") {
        Pipe.open().use { pipe ->
            val buffer = ByteBuffer.allocate(20)
            pipe.receiver().read(buffer) shouldBe 0
            poll.registry().register(pipe.receiver(), RECEIVER, Interest.READABLE)
            poll.registry().register(pipe.sender(), SENDER, Interest.WRITABLE)
            expectEvents(poll, events, SENDER to Readiness.WRITABLE)
            pipe.sender().write(ByteBuffer.wrap(DATA1)) shouldBe DATA1.size
            expectEvents(poll, events, RECEIVER to Readiness.READABLE)
            pipe.receiver().read(buffer) shouldBe DATA1.size
            buffer.written() shouldBe DATA1
        }
    }

    test("both ends are non-blocking and close-on-exec, and share one pipe") {
        Pipe.open().use { pipe ->
            for (end in listOf(pipe.sender().rawFd(), pipe.receiver().rawFd())) {
                isNonBlocking(end).shouldBeTrue()
                isCloseOnExec(end).shouldBeTrue()
            }
            fdTarget(pipe.sender().rawFd()) shouldBe fdTarget(pipe.receiver().rawFd())
            fdTarget(pipe.sender().rawFd()) shouldContain "pipe:"
        }
    }

    test("closing the sender gives exactly one read-closed event; the receiver then drains to -1") {
        Pipe.open().use { pipe ->
            poll.registry().register(pipe.receiver(), RECEIVER, Interest.READABLE)
            pipe.sender().write(direct(DATA1)) shouldBe DATA1.size
            expectEvents(poll, events, RECEIVER to Readiness.READABLE)
            pipe.sender().close()
            expectOneClosedEvent(RECEIVER, readClosed = true)
            val buffer = ByteBuffer.allocateDirect(64)
            pipe.receiver().read(buffer) shouldBe DATA1.size
            pipe.receiver().read(buffer.clear()) shouldBe -1
        }
    }

    test("closing the receiver gives exactly one write-closed event; writes then fail with a broken pipe") {
        Pipe.open().use { pipe ->
            poll.registry().register(pipe.sender(), SENDER, Interest.WRITABLE)
            expectEvents(poll, events, SENDER to Readiness.WRITABLE)
            pipe.receiver().close()
            expectOneClosedEvent(SENDER, readClosed = false)
            shouldThrow<SocketException> { pipe.sender().write(direct(DATA1)) }.message shouldBe
                "write: Broken pipe (EPIPE)"
        }
    }

    test("the sender's close reaches the receiver from another thread") {
        Pipe.open().use { pipe ->
            poll.registry().register(pipe.receiver(), RECEIVER, Interest.READABLE)
            val closer = Thread { pipe.sender().close() }
            closer.start()
            closer.join(10_000)
            expectOneClosedEvent(RECEIVER, readClosed = true)
        }
    }

    test("vectored writes and reads") {
        Pipe.open().use { pipe ->
            val a = "Hello ".toByteArray()
            val b = "vectored".toByteArray()
            pipe.sender().write(arrayOf(direct(a), ByteBuffer.wrap(b))) shouldBe (a.size + b.size).toLong()
            val first = ByteBuffer.allocateDirect(6)
            val second = ByteBuffer.allocate(20)
            pipe.receiver().read(arrayOf(first, second)) shouldBe (a.size + b.size).toLong()
            first.written() shouldBe a
            second.written() shouldBe b
            pipe.sender().write(b, 2, 3) shouldBe 3
            val bytes = ByteArray(8)
            pipe.receiver().read(bytes, 1, 7) shouldBe 3
            bytes.copyOfRange(1, 4) shouldBe b.copyOfRange(2, 5)
        }
    }

    test("a full pipe makes writes return 0, and draining gives a new writable event") {
        Pipe.open().use { pipe ->
            poll.registry().register(pipe.sender(), SENDER, Interest.WRITABLE)
            expectEvents(poll, events, SENDER to Readiness.WRITABLE)
            val chunk = ByteBuffer.allocateDirect(65536)
            var total = 0L
            while (true) {
                val n = pipe.sender().write(chunk.clear())
                if (n == 0) break
                total += n
                check(total < 64L shl 20) { "the pipe never filled" }
            }
            total shouldBeGreaterThan 0L
            val drain = ByteBuffer.allocateDirect(65536)
            while (pipe.receiver().read(drain.clear()) > 0) { }
            expectEvents(poll, events, SENDER to Readiness.WRITABLE)
        }
    }

    test("read-only buffers are rejected and closed ends throw ClosedChannelException") {
        val pipe = Pipe.open()
        shouldThrow<IllegalArgumentException> { pipe.receiver().read(ByteBuffer.allocate(4).asReadOnlyBuffer()) }
        pipe.close()
        pipe.close()
        pipe.sender().isOpen.shouldBeFalse()
        pipe.receiver().isOpen.shouldBeFalse()
        shouldThrow<ClosedChannelException> { pipe.sender().write(direct(DATA1)) }
        shouldThrow<ClosedChannelException> { pipe.receiver().read(ByteBuffer.allocate(4)) }
        shouldThrow<ClosedChannelException> { poll.registry().register(pipe.receiver(), RECEIVER, Interest.READABLE) }
    }

    test("fromOwnedFd makes a blocking pipe non-blocking and close-on-exec") {
        val (readEnd, writeEnd) = rawBlockingPipe().toList()
        isNonBlocking(readEnd).shouldBeFalse()
        isCloseOnExec(readEnd).shouldBeFalse()
        PipeReceiver.fromOwnedFd(readEnd).use { receiver ->
            PipeSender.fromOwnedFd(writeEnd).use { sender ->
                for (fd in listOf(readEnd, writeEnd)) {
                    isNonBlocking(fd).shouldBeTrue()
                    isCloseOnExec(fd).shouldBeTrue()
                }
                receiver.read(ByteBuffer.allocate(4)) shouldBe 0 // would block instead of hanging
                sender.write(direct(DATA1)) shouldBe DATA1.size
                receiver.read(ByteBuffer.allocate(64)) shouldBe DATA1.size
            }
        }
    }

    test("fromOwnedFd rejects the wrong end, negative and closed fds, and leaves the fd open") {
        val (readEnd, writeEnd) = rawBlockingPipe().toList()
        try {
            shouldThrow<IllegalArgumentException> { PipeSender.fromOwnedFd(readEnd) }.message shouldContain "writing"
            shouldThrow<IllegalArgumentException> { PipeReceiver.fromOwnedFd(writeEnd) }.message shouldContain "reading"
            isNonBlocking(readEnd).shouldBeFalse() // untouched
            shouldThrow<IllegalArgumentException> { PipeReceiver.fromOwnedFd(-1) }
        } finally {
            closeRawFd(readEnd)
            closeRawFd(writeEnd)
        }
        shouldThrow<IllegalArgumentException> { PipeReceiver.fromOwnedFd(999_999) }.message shouldContain "not open"
    }

    test("fromOwnedFd refuses what is not a pipe: a regular file (where O_NONBLOCK means nothing) or a socket") {
        withTempDir { dir ->
            val path = dir.resolve("file")
            Files.write(path, byteArrayOf(1, 2, 3))
            val file = rawOpen(path)
            try {
                shouldThrow<IllegalArgumentException> { PipeReceiver.fromOwnedFd(file) }.message shouldContain "not a pipe"
                shouldThrow<IllegalArgumentException> { PipeSender.fromOwnedFd(file) }.message shouldContain "not a pipe"
                isNonBlocking(file).shouldBeFalse() // untouched, still the caller's
            } finally {
                closeRawFd(file)
            }
        }
        withStreamPair { a, _ ->
            shouldThrow<IllegalArgumentException> { PipeReceiver.fromOwnedFd(a.rawFd()) }.message shouldContain "not a pipe"
        }
    }

    test("an adopted pipe that another holder made blocking again stalls only its reader, never the GC") {
        val (readEnd, writeEnd) = rawBlockingPipe().toList()
        try {
            PipeReceiver.fromOwnedFd(readEnd).use { receiver ->
                makeBlocking(readEnd) // what any process sharing the open file description may do
                // Before: the GC waited 3.5 s for the write that ended a critical read. After: no wait.
                gcMillisWhileBlockedReading(receiver, writeEnd) shouldBeLessThan 2_500L
            }
        } finally {
            closeRawFd(writeEnd)
        }
    }

    test("a child process (cat) connected to two pipes echoes, and its exit closes the output") {
        val input = Pipe.open()
        val output = Pipe.open()
        try {
            // The child opens our pipe ends through /proc: no fd of ours is inherited.
            val child = ProcessBuilder("cat")
                .redirectInput(File("/proc/self/fd/${input.receiver().rawFd()}"))
                .redirectOutput(File("/proc/self/fd/${output.sender().rawFd()}"))
                .start()
            input.receiver().close()
            output.sender().close()
            poll.registry().register(output.receiver(), RECEIVER, Interest.READABLE)
            poll.registry().register(input.sender(), SENDER, Interest.WRITABLE)
            expectEvents(poll, events, SENDER to Readiness.WRITABLE)
            input.sender().write(direct(DATA1)) shouldBe DATA1.size
            expectEvents(poll, events, RECEIVER to Readiness.READABLE)
            val buffer = ByteBuffer.allocateDirect(64)
            readAtLeast(poll, events, buffer, DATA1.size, output.receiver()::read)
            buffer.written() shouldBe DATA1
            input.sender().close()
            expectEvents(poll, events, RECEIVER to Readiness.READ_CLOSED)
            child.waitFor(10, TimeUnit.SECONDS).shouldBeTrue()
            output.receiver().read(buffer.clear()) shouldBe -1
        } finally {
            input.close()
            output.close()
        }
    }
})
