package io.jmio.net

import io.jmio.Events
import io.jmio.Interest
import io.jmio.Poll
import io.jmio.testing.BlockingEchoServer
import io.jmio.testing.ExpectEvent
import io.jmio.testing.Readiness
import io.jmio.testing.acceptWithin
import io.jmio.testing.awaitEvent
import io.jmio.testing.closeAll
import io.jmio.testing.directOf
import io.jmio.testing.expectEvents
import io.jmio.testing.expectNoEvents
import io.jmio.testing.localV4
import io.jmio.testing.localV6
import io.jmio.testing.readExactly
import io.jmio.testing.shouldBeNonBlockingAndCloseOnExec
import io.jmio.testing.shouldContainErrno
import io.jmio.testing.withPolledPair
import io.jmio.testing.withTcpPair
import io.jmio.testing.writtenBytes
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.nulls.shouldBeNull
import io.kotest.matchers.nulls.shouldNotBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.net.SocketException
import java.net.StandardSocketOptions
import java.nio.ByteBuffer
import java.time.Duration

private const val ID1 = 1L
private const val ID2 = 2L
private val DATA1 = "Hello world!".toByteArray()
private val DATA2 = "Hello mars!".toByteArray()

class TcpStreamTest : FunSpec({
    timeout = 60_000L

    for ((family, local) in listOf("IPv4" to localV4(), "IPv6" to localV6())) {
        test("$family stream against an echo server: connect, peek, read, vectored write and read") {
            BlockingEchoServer(local).use { echo ->
                Poll.open().use { poll ->
                    val events = Events.withCapacity(16)
                    TcpStream.connect(echo.address).use { stream ->
                        stream.shouldBeNonBlockingAndCloseOnExec()
                        poll.registry().register(stream, ID1, Interest.WRITABLE.add(Interest.READABLE))
                        expectEvents(poll, events, ExpectEvent(ID1, Readiness.WRITABLE))

                        val buffer = ByteBuffer.allocateDirect(16)
                        stream.peek(buffer) shouldBe 0
                        stream.read(buffer) shouldBe 0
                        stream.peerAddress() shouldBe echo.address
                        stream.localAddress().address.isLoopbackAddress shouldBe true

                        stream.write(directOf(DATA1)) shouldBe DATA1.size
                        expectEvents(poll, events, ExpectEvent(ID1, Readiness.READABLE))
                        stream.peek(buffer) shouldBe DATA1.size
                        buffer.writtenBytes() shouldBe DATA1
                        buffer.clear()
                        stream.read(buffer) shouldBe DATA1.size
                        buffer.writtenBytes() shouldBe DATA1
                        stream.takeError().shouldBeNull()
                        stream.read(buffer.clear()) shouldBe 0

                        stream.write(arrayOf(directOf(DATA1), directOf(DATA2))) shouldBe (DATA1.size + DATA2.size).toLong()
                        val first = ByteBuffer.allocateDirect(DATA1.size)
                        val second = ByteBuffer.allocateDirect(DATA2.size + 1)
                        repeat(DATA1.size) { first.put(it, 1) }
                        repeat(DATA2.size + 1) { second.put(it, 2) }
                        var total = 0L
                        // The echo may come back in more than one piece: keep reading into what is left.
                        while (total < DATA1.size + DATA2.size) {
                            awaitEvent(poll, events, ID1) { it.isReadable }
                            val n = stream.read(arrayOf(first, second))
                            n shouldNotBe -1L
                            total += n
                        }
                        total shouldBe (DATA1.size + DATA2.size).toLong()
                        first.writtenBytes() shouldBe DATA1
                        second.writtenBytes() shouldBe DATA2
                        second.get(DATA2.size) shouldBe 2.toByte() // the last byte is left untouched
                    }
                }
            }
        }
    }

    test("heap buffers and byte arrays go through the bounce buffer in both directions") {
        withTcpPair { client, server ->
            client.write(ByteBuffer.wrap(DATA1)) shouldBe DATA1.size
            readExactly(server, DATA1.size) shouldBe DATA1
            val bytes = ByteArray(20) { 9 }
            client.write(DATA2, 2, 5) shouldBe 5
            val deadline = System.nanoTime() + 5_000_000_000L
            var n = 0
            while (n == 0 && System.nanoTime() < deadline) n = server.read(bytes, 3, 10)
            n shouldBe 5
            bytes.copyOfRange(3, 8) shouldBe DATA2.copyOfRange(2, 7)
            bytes[2] shouldBe 9.toByte()
            bytes[8] shouldBe 9.toByte()
            val heap = ByteBuffer.allocate(64)
            server.write(DATA1, 0, DATA1.size) shouldBe DATA1.size
            while (heap.position() < DATA1.size) client.read(heap).let { check(it >= 0) }
            heap.writtenBytes() shouldBe DATA1
        }
    }

    test("a large heap write is cut to the bounce buffer and reports what was written") {
        withTcpPair { client, server ->
            val big = ByteArray(1 shl 20) { it.toByte() }
            val n = client.write(ByteBuffer.wrap(big))
            (n in 1..(64 * 1024)) shouldBe true
            readExactly(server, n) shouldBe big.copyOf(n)
        }
    }

    test("the connect recipe: writable event, no pending error, then a peer address") {
        ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1")).use { server ->
            Poll.open().use { poll ->
                val events = Events.withCapacity(16)
                TcpStream.connect(InetSocketAddress(server.inetAddress, server.localPort)).use { stream ->
                    poll.registry().register(stream, ID1, Interest.WRITABLE)
                    awaitEvent(poll, events, ID1) { it.isWritable }
                    stream.takeError().shouldBeNull()
                    stream.peerAddress().shouldNotBeNull().port shouldBe server.localPort
                }
            }
        }
    }

    test("peerAddress is null while the connection is still being made") {
        // With a backlog of 1 and nobody accepting, the kernel drops further SYNs: those clients stay connecting.
        TcpListener.bind(localV4(), 1).use { listener ->
            val clients = ArrayList<TcpStream>()
            try {
                var pending: TcpStream? = null
                while (pending == null && clients.size < 16) {
                    val client = TcpStream.connect(listener.localAddress())
                    clients += client
                    Thread.sleep(50)
                    if (client.peerAddress() == null) pending = client
                }
                val stream = pending.shouldNotBeNull()
                stream.takeError().shouldBeNull()
                stream.write(directOf(DATA1)) shouldBe 0 // not connected yet: nothing can be sent
            } finally {
                closeAll(*clients.toTypedArray())
            }
        }
    }

    test("ttl and noDelay can be set and read back, and read without a prior set") {
        for (local in listOf(localV4(), localV6())) {
            withTcpPair(local) { client, server ->
                client.ttl()
                client.noDelay()
                client.setTtl(10)
                client.ttl() shouldBe 10
                client.setNoDelay(true)
                client.noDelay() shouldBe true
                client.setNoDelay(false)
                client.noDelay() shouldBe false
                client.takeError().shouldBeNull()
            }
        }
    }

    test("shutdown(READ) succeeds and gives a read-closed event") {
        withPolledPair { poll, events, client, server ->
            poll.registry().register(client, ID1, Interest.READABLE.add(Interest.WRITABLE))
            expectEvents(poll, events, ExpectEvent(ID1, Readiness.WRITABLE))
            client.shutdown(Shutdown.READ)
            expectEvents(poll, events, ExpectEvent(ID1, Readiness.READ_CLOSED))
        }
    }

    test("shutdown(BOTH) gives a write-closed event, then a write is a broken pipe") {
        withPolledPair { poll, events, client, server ->
            poll.registry().register(client, ID1, Interest.READABLE.add(Interest.WRITABLE))
            expectEvents(poll, events, ExpectEvent(ID1, Readiness.WRITABLE))
            client.shutdown(Shutdown.BOTH)
            expectEvents(poll, events, ExpectEvent(ID1, Readiness.WRITE_CLOSED))
            shouldThrow<SocketException> { client.write(directOf(DATA2)) }.message shouldContainErrno "EPIPE"
        }
    }

    test("shutdown(WRITE): our writes fail but reading goes on, and the peer reads end of stream") {
        withTcpPair { client, server ->
            client.write(directOf(DATA1)) shouldBe DATA1.size
            client.shutdown(Shutdown.WRITE)
            shouldThrow<SocketException> { client.write(DATA2, 0, DATA2.size) }.message shouldContainErrno "EPIPE"
            readExactly(server, DATA1.size) shouldBe DATA1
            server.read(ByteBuffer.allocate(8)) shouldBe -1
            server.write(directOf(DATA2)) shouldBe DATA2.size
            readExactly(client, DATA2.size) shouldBe DATA2
        }
    }

    test("a stream registered for reading with no data gets no events; reregistered for writing it does") {
        withPolledPair { poll, events, client, server ->
            poll.registry().register(client, ID1, Interest.READABLE)
            expectNoEvents(poll, events)
            poll.registry().reregister(client, ID2, Interest.WRITABLE)
            expectEvents(poll, events, ExpectEvent(ID2, Readiness.WRITABLE))
            events.any { it.token() == ID1 } shouldBe false
        }
    }

    test("after deregister no events arrive, reads would block and writes still work") {
        withPolledPair { poll, events, client, server ->
            poll.registry().register(client, ID1, Interest.WRITABLE.add(Interest.READABLE))
            poll.registry().deregister(client)
            expectNoEvents(poll, events)
            client.peerAddress() shouldBe server.localAddress()
            val buffer = ByteBuffer.allocateDirect(16)
            client.peek(buffer) shouldBe 0
            client.read(buffer) shouldBe 0
            client.write(directOf(DATA1)) shouldBe DATA1.size
            server.write(directOf(DATA2)) shouldBe DATA2.size
            expectNoEvents(poll, events)
            readExactly(server, DATA1.size) shouldBe DATA1
        }
    }

    test("peer shutdown(WRITE) gives a readable, read-closed event and then end of stream") {
        withPolledPair { poll, events, client, server ->
            poll.registry().register(client, ID1, Interest.READABLE.add(Interest.WRITABLE))
            expectEvents(poll, events, ExpectEvent(ID1, Readiness.WRITABLE))
            server.shutdown(Shutdown.WRITE)
            expectEvents(poll, events, ExpectEvent(ID1, Readiness.READABLE or Readiness.READ_CLOSED))
            client.read(ByteBuffer.allocateDirect(8)) shouldBe -1
        }
    }

    test("the peer closing after we wrote gives a read-closed event") {
        withPolledPair { poll, events, client, server ->
            poll.registry().register(client, ID1, Interest.READABLE.add(Interest.WRITABLE))
            expectEvents(poll, events, ExpectEvent(ID1, Readiness.WRITABLE))
            client.write(directOf(DATA1)) shouldBe DATA1.size
            client.read(ByteBuffer.allocate(1)) shouldBe 0
            server.close() // unread data: the kernel resets the connection
            expectEvents(poll, events, ExpectEvent(ID1, Readiness.READ_CLOSED))
        }
    }

    test("a peer closing with SO_LINGER 0 gives a readable event") {
        withPolledPair { poll, events, client, server ->
            poll.registry().register(client, ID1, Interest.READABLE.add(Interest.WRITABLE))
            expectEvents(poll, events, ExpectEvent(ID1, Readiness.WRITABLE))
            server.setOption(StandardSocketOptions.SO_LINGER, 0)
            server.getOption(StandardSocketOptions.SO_LINGER) shouldBe 0
            server.close()
            expectEvents(poll, events, ExpectEvent(ID1, Readiness.READABLE))
            // A reset connection reads as an error, never as data.
            runCatching { client.read(ByteBuffer.allocate(8)) }.getOrNull()?.let { (it <= 0) shouldBe true }
        }
    }

    test("out-of-band data gives a readable and priority event") {
        Poll.open().use { poll ->
            val events = Events.withCapacity(16)
            ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1")).use { listener ->
                TcpStream.connect(InetSocketAddress(listener.inetAddress, listener.localPort)).use { client ->
                    poll.registry().register(client, ID1, Interest.READABLE.add(Interest.PRIORITY))
                    listener.accept().use { peer ->
                        peer.sendUrgentData(7)
                        expectEvents(poll, events, ExpectEvent(ID1, Readiness.READABLE or Readiness.PRIORITY))
                    }
                }
            }
        }
    }

    test("a successful peek does not consume readiness: a readable event still follows") {
        withPolledPair { poll, events, client, server ->
            poll.registry().register(client, ID1, Interest.READABLE)
            expectNoEvents(poll, events)
            server.write(byteArrayOf(0), 0, 1) shouldBe 1
            val buffer = ByteBuffer.allocate(2)
            val deadline = System.nanoTime() + 5_000_000_000L
            var n = 0
            while (n == 0 && System.nanoTime() < deadline) n = client.peek(buffer.clear())
            n shouldBe 1
            expectEvents(poll, events, ExpectEvent(ID1, Readiness.READABLE))
            client.read(buffer.clear()) shouldBe 1 // the peeked byte is still there
        }
    }

    test("edge-triggered re-arming: read to would-block, the peer writes, a new readable event comes") {
        withPolledPair { poll, events, client, server ->
            poll.registry().register(client, ID1, Interest.READABLE)
            val buffer = ByteBuffer.allocateDirect(1)
            client.read(buffer) shouldBe 0
            server.write(byteArrayOf(0), 0, 1) shouldBe 1
            expectEvents(poll, events, ExpectEvent(ID1, Readiness.READABLE))
            client.read(buffer.clear()) shouldBe 1
            client.peek(buffer.clear()) shouldBe 0
            server.write(byteArrayOf(1, 2, 3, 4), 0, 4) shouldBe 4
            expectEvents(poll, events, ExpectEvent(ID1, Readiness.READABLE))
            client.read(ByteBuffer.allocate(8)) shouldBe 4
        }
    }

    test("no event carries a closed flag before the peer shuts down") {
        Poll.open().use { poll ->
            val events = Events.withCapacity(16)
            TcpListener.bind(localV4()).use { listener ->
                TcpStream.connect(listener.localAddress()).use { client ->
                    poll.registry().register(client, ID1, Interest.READABLE.add(Interest.WRITABLE))
                    acceptWithin(listener).use { server ->
                        val seen = awaitEvent(poll, events, ID1) { it.isWritable }
                        (seen and (Readiness.READ_CLOSED or Readiness.WRITE_CLOSED)) shouldBe 0
                        poll.poll(events, Duration.ofMillis(100))
                        events.none { it.isReadClosed || it.isWriteClosed } shouldBe true
                        server.shutdown(Shutdown.WRITE)
                        expectEvents(poll, events, ExpectEvent(ID1, Readiness.READABLE or Readiness.READ_CLOSED))
                    }
                }
            }
        }
    }
})
