package io.jmio.unix

import io.jmio.Events
import io.jmio.Interest
import io.jmio.Poll
import io.jmio.net.Shutdown
import io.jmio.testing.UnixTesting.Readiness
import io.jmio.testing.UnixTesting.DATA1
import io.jmio.testing.UnixTesting.DATA2
import io.jmio.testing.UnixTesting.withDatagramPair
import io.jmio.testing.UnixTesting.direct
import io.jmio.testing.UnixTesting.expectEvents
import io.jmio.testing.UnixTesting.expectNoEvents
import io.jmio.testing.UnixTesting.isCloseOnExec
import io.jmio.testing.UnixTesting.isNonBlocking
import io.jmio.testing.UnixTesting.withTempDir
import io.jmio.testing.UnixTesting.written
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.booleans.shouldBeFalse
import io.kotest.matchers.booleans.shouldBeTrue
import io.kotest.matchers.ints.shouldBeGreaterThan
import io.kotest.matchers.nulls.shouldBeNull
import io.kotest.matchers.nulls.shouldNotBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.io.IOException
import java.net.BindException
import java.net.SocketException
import java.net.StandardSocketOptions
import java.nio.ByteBuffer
import java.nio.channels.ClosedChannelException

private const val TOKEN_1 = 0L
private const val TOKEN_2 = 1L

class UnixDatagramTest : FunSpec({
    timeout = 60_000L

    lateinit var poll: Poll
    lateinit var events: Events
    beforeTest {
        poll = Poll.open()
        events = Events.withCapacity(16)
    }
    afterTest { poll.close() }

    fun registerBoth(d1: UnixDatagram, d2: UnixDatagram) {
        poll.registry().register(d1, TOKEN_1, Interest.READABLE.add(Interest.WRITABLE))
        poll.registry().register(d2, TOKEN_2, Interest.READABLE.add(Interest.WRITABLE))
        expectEvents(poll, events, TOKEN_1 to Readiness.WRITABLE, TOKEN_2 to Readiness.WRITABLE)
    }

    test("unconnected smoke: sendTo and receiveFrom give the data and the sender's path") {
        withTempDir { dir ->
            val path1 = dir.resolve("d1")
            val path2 = dir.resolve("d2")
            UnixDatagram.bind(path1).use { d1 ->
                UnixDatagram.bind(path2).use { d2 ->
                    for (d in listOf(d1, d2)) {
                        isNonBlocking(d.rawFd()).shouldBeTrue()
                        isCloseOnExec(d.rawFd()).shouldBeTrue()
                    }
                    d1.localAddress().path() shouldBe path1
                    registerBoth(d1, d2)
                    val buffer = ByteBuffer.allocateDirect(64)
                    d1.receiveFrom(buffer).shouldBeNull()
                    d2.receiveFrom(buffer).shouldBeNull()

                    d1.sendTo(direct(DATA1), path2) shouldBe DATA1.size
                    d2.sendTo(direct(DATA2), d1.localAddress()) shouldBe DATA2.size
                    expectEvents(poll, events, TOKEN_1 to Readiness.READABLE, TOKEN_2 to Readiness.READABLE)

                    d1.receiveFrom(buffer) shouldBe UnixSocketAddress.of(path2)
                    buffer.written() shouldBe DATA2
                    d2.receiveFrom(buffer.clear())!!.path() shouldBe path1
                    buffer.written() shouldBe DATA1
                    d1.takeError().shouldBeNull()
                    d2.takeError().shouldBeNull()
                }
            }
        }
    }

    test("connected smoke: each side's peer is the other's local address; send and receive") {
        withTempDir { dir ->
            val path1 = dir.resolve("d1")
            val path2 = dir.resolve("d2")
            UnixDatagram.bind(path1).use { d1 ->
                UnixDatagram.bind(path2).use { d2 ->
                    d1.connect(path2)
                    d2.connect(UnixSocketAddress.of(path1))
                    d1.localAddress() shouldBe d2.peerAddress()
                    d2.localAddress() shouldBe d1.peerAddress()
                    registerBoth(d1, d2)
                    val buffer = ByteBuffer.allocate(64)
                    d1.receive(buffer) shouldBe -1
                    d1.send(ByteBuffer.wrap(DATA1)) shouldBe DATA1.size
                    d2.send(ByteBuffer.wrap(DATA2)) shouldBe DATA2.size
                    expectEvents(poll, events, TOKEN_1 to Readiness.READABLE, TOKEN_2 to Readiness.READABLE)
                    d1.receive(buffer) shouldBe DATA2.size
                    buffer.written() shouldBe DATA2
                    d2.receive(buffer.clear()) shouldBe DATA1.size
                    buffer.written() shouldBe DATA1
                }
            }
        }
    }

    test("a socket may connect to its own path") {
        withTempDir { dir ->
            UnixDatagram.bind(dir.resolve("self")).use { d ->
                d.connect(d.localAddress())
                d.send(direct(DATA1)) shouldBe DATA1.size
                val buffer = ByteBuffer.allocate(64)
                d.receive(buffer) shouldBe DATA1.size
            }
        }
    }

    test("pair: both writable, nothing to receive, then each receives the other's datagram") {
        withDatagramPair { d1, d2 ->
            registerBoth(d1, d2)
            val buffer = ByteBuffer.allocateDirect(64)
            d1.receive(buffer) shouldBe -1
            d2.receive(buffer) shouldBe -1
            d1.send(direct(DATA1)) shouldBe DATA1.size
            d2.send(direct(DATA2)) shouldBe DATA2.size
            expectEvents(poll, events, TOKEN_1 to Readiness.READABLE, TOKEN_2 to Readiness.READABLE)
            d1.receive(buffer) shouldBe DATA2.size
            buffer.written() shouldBe DATA2
            d2.receive(buffer.clear()) shouldBe DATA1.size
            d1.localAddress().isUnnamed.shouldBeTrue()
            d1.peerAddress().isUnnamed.shouldBeTrue()
            d1.takeError().shouldBeNull()
        }
    }

    test("shutdown(READ) gives read-closed, shutdown(WRITE) write-closed, then send fails with a broken pipe") {
        withTempDir { dir ->
            val path2 = dir.resolve("d2")
            UnixDatagram.bind(dir.resolve("d1")).use { d1 ->
                UnixDatagram.bind(path2).use { d2 ->
                    poll.registry().register(d1, TOKEN_1, Interest.WRITABLE.add(Interest.READABLE))
                    poll.registry().register(d2, TOKEN_2, Interest.WRITABLE.add(Interest.READABLE))
                    d1.connect(path2)
                    expectEvents(poll, events, TOKEN_1 to Readiness.WRITABLE)
                    d1.send(direct(DATA1))
                    expectEvents(poll, events, TOKEN_2 to Readiness.READABLE)
                    d1.shutdown(Shutdown.READ)
                    expectEvents(poll, events, TOKEN_1 to Readiness.READ_CLOSED)
                    d1.shutdown(Shutdown.WRITE)
                    expectEvents(poll, events, TOKEN_1 to Readiness.WRITE_CLOSED)
                    shouldThrow<SocketException> { d1.send(direct(DATA2)) }.message shouldContain "Broken pipe (EPIPE)"
                    d1.takeError().shouldBeNull()
                }
            }
        }
    }

    test("registered for reads with nothing queued gives no events") {
        withTempDir { dir ->
            UnixDatagram.bind(dir.resolve("d")).use { d ->
                poll.registry().register(d, TOKEN_1, Interest.READABLE)
                expectNoEvents(poll, events)
            }
        }
    }

    test("reregister from readable to writable gives writable") {
        withTempDir { dir ->
            val path1 = dir.resolve("d1")
            UnixDatagram.bind(path1).use { d1 ->
                poll.registry().register(d1, TOKEN_1, Interest.READABLE)
                UnixDatagram.bind(dir.resolve("d2")).use { d2 ->
                    d2.connect(path1)
                    poll.registry().reregister(d1, TOKEN_1, Interest.WRITABLE)
                    expectEvents(poll, events, TOKEN_1 to Readiness.WRITABLE)
                }
            }
        }
    }

    test("after deregister no events arrive") {
        withTempDir { dir ->
            val path1 = dir.resolve("d1")
            UnixDatagram.bind(path1).use { d1 ->
                poll.registry().register(d1, TOKEN_1, Interest.WRITABLE)
                UnixDatagram.bind(dir.resolve("d2")).use { d2 ->
                    d2.connect(path1)
                    poll.registry().deregister(d1)
                    expectNoEvents(poll, events)
                }
            }
        }
    }

    test("regression mio#1403: an unbound sender shows up as unnamed") {
        withTempDir { dir ->
            val path = dir.resolve("issue_1403")
            UnixDatagram.bind(path).use { d1 ->
                UnixDatagram.unbound().use { d2 ->
                    val sent = d2.sendTo(ByteBuffer.wrap(ByteArray(1024) { 1 }), path)
                    sent shouldBe 1024
                    val buffer = ByteBuffer.allocate(1024)
                    val from = d1.receiveFrom(buffer).shouldNotBeNull()
                    buffer.position() shouldBe sent
                    from.path().shouldBeNull()
                    from.isUnnamed.shouldBeTrue()
                }
            }
        }
    }

    test("abstract names send and receive, and the sender's name comes back") {
        val pid = ProcessHandle.current().pid()
        val name1 = UnixSocketAddress.abstractName("jmio-dgram-1-$pid")
        val name2 = UnixSocketAddress.abstractName("jmio-dgram-2-$pid")
        UnixDatagram.bind(name1).use { d1 ->
            UnixDatagram.bind(name2).use { d2 ->
                d1.sendTo(direct(DATA1), name2) shouldBe DATA1.size
                val buffer = ByteBuffer.allocate(64)
                d2.receiveFrom(buffer) shouldBe name1
                buffer.written() shouldBe DATA1
            }
        }
    }

    test("a socket bound to the unnamed address gets a fresh abstract name and can be replied to") {
        withTempDir { dir ->
            val serverPath = dir.resolve("server")
            UnixDatagram.bind(serverPath).use { server ->
                UnixDatagram.bind(UnixSocketAddress.unnamed()).use { client ->
                    client.localAddress().isAbstract.shouldBeTrue()
                    client.sendTo(direct(DATA1), serverPath)
                    val buffer = ByteBuffer.allocate(64)
                    val from = server.receiveFrom(buffer).shouldNotBeNull()
                    from shouldBe client.localAddress()
                    server.sendTo(direct(DATA2), from) shouldBe DATA2.size
                    client.receive(buffer.clear()) shouldBe DATA2.size
                }
            }
        }
    }

    test("an empty datagram is received as zero bytes from a real sender") {
        withDatagramPair { d1, d2 ->
            d1.send(ByteBuffer.allocate(0)) shouldBe 0
            val buffer = ByteBuffer.allocate(8)
            d2.receiveFrom(buffer).shouldNotBeNull().isUnnamed.shouldBeTrue()
            buffer.position() shouldBe 0
            d2.receiveFrom(buffer).shouldBeNull() // and it was consumed
        }
    }

    test("bytes beyond the buffer's room are discarded with the datagram") {
        withDatagramPair { d1, d2 ->
            d1.send(direct(DATA1))
            d1.send(direct(DATA2))
            val small = ByteBuffer.allocate(5)
            d2.receive(small) shouldBe 5
            small.written() shouldBe DATA1.copyOf(5)
            val next = ByteBuffer.allocateDirect(64)
            d2.receive(next) shouldBe DATA2.size
            next.written() shouldBe DATA2
        }
    }

    test("heap datagrams larger than the bounce buffer arrive whole") {
        withDatagramPair { d1, d2 ->
            d1.setOption(StandardSocketOptions.SO_SNDBUF, 1 shl 20)
            d2.setOption(StandardSocketOptions.SO_RCVBUF, 1 shl 20)
            val size = 100_000
            val data = ByteArray(size) { (it * 7).toByte() }
            d1.send(ByteBuffer.wrap(data)) shouldBe size
            val heap = ByteBuffer.allocate(size + 10)
            d2.receive(heap) shouldBe size
            heap.written() shouldBe data
            d1.send(ByteBuffer.wrap(data)) shouldBe size
            val directBuffer = ByteBuffer.allocateDirect(size)
            d2.receive(directBuffer) shouldBe size
            directBuffer.written() shouldBe data
        }
    }

    test("large heap datagrams arrive intact while other threads force collections") {
        // The temporary direct copy of such a datagram is referenced only by its address during
        // sendto; jmio pins it so that its cleaner cannot free the memory the kernel is reading.
        withDatagramPair { d1, d2 ->
            d1.setOption(StandardSocketOptions.SO_SNDBUF, 1 shl 20)
            d2.setOption(StandardSocketOptions.SO_RCVBUF, 1 shl 20)
            val size = 200_000
            val running = java.util.concurrent.atomic.AtomicBoolean(true)
            val collectors = List(2) {
                kotlin.concurrent.thread(name = "collector-$it") {
                    while (running.get()) {
                        ByteBuffer.allocateDirect(1 shl 16) // garbage with cleaners of its own
                        System.gc()
                    }
                }
            }
            try {
                val received = ByteBuffer.allocate(size)
                val deadline = System.nanoTime() + 3_000_000_000L
                var round = 0
                while (round < 200 && System.nanoTime() < deadline) {
                    val data = ByteArray(size) { (it * 31 + round).toByte() }
                    d1.send(ByteBuffer.wrap(data)) shouldBe size
                    d2.receive(received.clear()) shouldBe size
                    received.written() shouldBe data
                    round++
                }
            } finally {
                running.set(false)
                collectors.forEach { it.join(10_000) }
            }
        }
    }

    test("a full receive queue makes send return -1 (would block), and draining it gives a writable event") {
        withDatagramPair { d1, d2 ->
            poll.registry().register(d1, TOKEN_1, Interest.WRITABLE)
            expectEvents(poll, events, TOKEN_1 to Readiness.WRITABLE)
            var sent = 0
            while (d1.send(direct(DATA1)) != -1) {
                sent++
                check(sent < 1_000_000) { "the queue never filled" }
            }
            sent shouldBeGreaterThan 0
            expectNoEvents(poll, events)
            val buffer = ByteBuffer.allocateDirect(64)
            repeat(sent) { d2.receive(buffer.clear()) shouldBe DATA1.size }
            expectEvents(poll, events, TOKEN_1 to Readiness.WRITABLE)
            d1.send(direct(DATA1)) shouldBe DATA1.size
        }
    }

    test("send without a peer fails with a socket error") {
        UnixDatagram.unbound().use { d ->
            shouldThrow<SocketException> { d.send(direct(DATA1)) }.message shouldContain "ENOTCONN"
        }
    }

    test("sending to a missing path names it; the unnamed address is rejected") {
        withTempDir { dir ->
            UnixDatagram.unbound().use { d ->
                val missing = dir.resolve("missing")
                val e = shouldThrow<IOException> { d.sendTo(direct(DATA1), missing) }
                e.message shouldContain missing.toString()
                e.message shouldContain "ENOENT"
                shouldThrow<IllegalArgumentException> { d.sendTo(direct(DATA1), UnixSocketAddress.unnamed()) }
                shouldThrow<IllegalArgumentException> { d.connect(UnixSocketAddress.unnamed()) }
            }
        }
    }

    test("binding an existing path fails with BindException") {
        withTempDir { dir ->
            val path = dir.resolve("d")
            UnixDatagram.bind(path).use {
                shouldThrow<BindException> { UnixDatagram.bind(path) }.message shouldContain "EADDRINUSE"
            }
        }
    }

    test("a read-only buffer is rejected for receiving") {
        withDatagramPair { d1, d2 ->
            shouldThrow<IllegalArgumentException> { d1.receive(ByteBuffer.allocate(4).asReadOnlyBuffer()) }
            shouldThrow<IllegalArgumentException> { d1.receiveFrom(ByteBuffer.allocateDirect(4).asReadOnlyBuffer()) }
        }
    }

    test("a closed socket throws ClosedChannelException and close is idempotent") {
        val (d1, d2) = UnixDatagram.pair()
        d2.use {
            d1.close()
            d1.close()
            d1.isOpen.shouldBeFalse()
            shouldThrow<ClosedChannelException> { d1.send(direct(DATA1)) }
            shouldThrow<ClosedChannelException> { d1.sendTo(direct(DATA1), UnixSocketAddress.abstractName("x")) }
            shouldThrow<ClosedChannelException> { d1.receive(ByteBuffer.allocate(4)) }
            shouldThrow<ClosedChannelException> { d1.receiveFrom(ByteBuffer.allocate(4)) }
            shouldThrow<ClosedChannelException> { d1.connect(UnixSocketAddress.abstractName("x")) }
            shouldThrow<ClosedChannelException> { d1.shutdown(Shutdown.READ) }
            shouldThrow<ClosedChannelException> { d1.localAddress() }
            shouldThrow<ClosedChannelException> { d1.peerAddress() }
        }
    }
})
