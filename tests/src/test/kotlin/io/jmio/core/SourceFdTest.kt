package io.jmio.core

import io.jmio.Events
import io.jmio.Interest
import io.jmio.Poll
import io.jmio.unix.SourceFd
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.booleans.shouldBeTrue
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain

class SourceFdTest : FunSpec({
    timeout = 60_000L
    blockingTest = true

    test("a negative fd is refused") {
        shouldThrow<IllegalArgumentException> { SourceFd(-1) }.message shouldContain "-1"
        shouldThrow<IllegalArgumentException> { SourceFd(Int.MIN_VALUE) }
    }

    test("it names its fd") {
        SourceFd(5).fd() shouldBe 5
        SourceFd(5).toString() shouldBe "SourceFd(5)"
        SourceFd(5).isOpen.shouldBeTrue()
    }

    test("jmio never closes a borrowed fd: not on deregister, nor when the poll closes, nor on GC") {
        TestEventFd().use { fd ->
            Poll.open().use { poll ->
                poll.registry().register(SourceFd(fd.fd), 1, Interest.READABLE)
                poll.registry().deregister(SourceFd(fd.fd))
                poll.registry().register(SourceFd(fd.fd), 1, Interest.READABLE)
            }
            repeat(3) {
                System.gc()
                Thread.sleep(20)
            }
            ProcFds.isOpen(fd.fd, ProcFds.EVENTFD).shouldBeTrue()
            fd.add() // still the same, working eventfd
        }
    }

    test("one borrowed fd can be watched by two polls, each with its own token") {
        TestEventFd().use { fd ->
            Poll.open().use { first ->
                Poll.open().use { second ->
                    first.registry().register(SourceFd(fd.fd), 1, Interest.READABLE)
                    second.registry().register(SourceFd(fd.fd), 2, Interest.READABLE)
                    fd.add()
                    first.pollUntilSeen(Events.withCapacity(4), setOf(1L)).map { it.token } shouldContainExactly listOf(1L)
                    second.pollUntilSeen(Events.withCapacity(4), setOf(2L)).map { it.token } shouldContainExactly listOf(2L)
                }
            }
        }
    }

    test("a pipe's read end reports read-closed only once the writer is gone") {
        TestPipe().use { pipe ->
            Poll.open().use { poll ->
                val events = Events.withCapacity(8)
                poll.registry().register(SourceFd(pipe.readFd), 1, Interest.READABLE)
                poll.registry().register(SourceFd(pipe.writeFd), 2, Interest.WRITABLE)
                // No closed flags while both ends are open (no false positives).
                poll.pollUntilSeen(events, setOf(2L)) shouldContainExactly listOf(Seen(2, false, true, false, false, false, false))
                pipe.write(byteArrayOf(1, 2, 3))
                poll.pollUntilSeen(events, setOf(1L)) shouldContainExactly listOf(Seen(1, true, false, false, false, false, false))

                poll.registry().deregister(SourceFd(pipe.writeFd))
                pipe.closeWrite()
                // EPOLLIN | EPOLLHUP: mio counts a hang-up as both read- and write-closed.
                poll.pollUntilSeen(events, setOf(1L)) shouldContainExactly listOf(Seen(1, true, false, false, true, true, false))
                poll.pollBriefly(events).shouldBeEmpty()
            }
        }
    }

    test("a pipe's write end reports error and write-closed once the reader is gone") {
        TestPipe().use { pipe ->
            Poll.open().use { poll ->
                val events = Events.withCapacity(8)
                poll.registry().register(SourceFd(pipe.writeFd), 2, Interest.WRITABLE)
                poll.pollUntilSeen(events, setOf(2L)) shouldContainExactly listOf(Seen(2, false, true, false, false, false, false))
                pipe.closeRead()
                // EPOLLOUT | EPOLLERR
                poll.pollUntilSeen(events, setOf(2L)) shouldContainExactly listOf(Seen(2, false, true, true, false, true, false))
            }
        }
    }

    test("a hang-up is reported even without read interest") {
        TestPipe().use { pipe ->
            Poll.open().use { poll ->
                val events = Events.withCapacity(8)
                poll.registry().register(SourceFd(pipe.readFd), 1, Interest.PRIORITY)
                poll.pollBriefly(events).shouldBeEmpty()
                pipe.closeWrite()
                poll.pollUntilSeen(events, setOf(1L)) shouldContainExactly listOf(Seen(1, false, false, false, true, true, false))
            }
        }
    }
})
