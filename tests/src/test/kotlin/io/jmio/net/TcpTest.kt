package io.jmio.net

import io.jmio.Events
import io.jmio.Interest
import io.jmio.Poll
import io.jmio.testing.ExpectEvent
import io.jmio.testing.Readiness
import io.jmio.testing.Worker
import io.jmio.testing.acceptWithin
import io.jmio.testing.awaitEvent
import io.jmio.testing.closeAll
import io.jmio.testing.directOf
import io.jmio.testing.expectEvents
import io.jmio.testing.expectNoEvents
import io.jmio.testing.localV4
import io.jmio.testing.readExactly
import io.jmio.testing.writtenBytes
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.nulls.shouldBeNull
import io.kotest.matchers.nulls.shouldNotBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeInstanceOf
import java.io.IOException
import java.net.ConnectException
import java.net.InetAddress
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.net.Socket
import java.net.StandardSocketOptions
import java.nio.ByteBuffer
import java.time.Duration
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit

private const val LISTENER = 0L
private const val CLIENT = 1L
private const val SERVER = 2L
private const val N = 16 * 1024 * 1024
private val LOOPBACK: InetAddress = InetAddress.getByName("127.0.0.1")

/** A port nothing listens on: bound once, then released. */
private fun closedPort(): Int = ServerSocket(0, 1, LOOPBACK).use { it.localPort }

/** Runs [peer] on a thread with a java.net server socket while [body] gets the address to connect to. */
private fun withBlockingPeer(peer: (Socket) -> Unit, body: (InetSocketAddress) -> Unit) {
    ServerSocket(0, 50, LOOPBACK).use { server ->
        val worker = Worker("blocking-peer") { server.accept().use(peer) }
        try {
            body(InetSocketAddress(LOOPBACK, server.localPort))
        } finally {
            worker.thread.join(10_000) // the peer finishes on its own once the body has connected
            server.close() // and is stopped if the body never did
        }
        worker.join()
    }
}

class TcpTest : FunSpec({
    timeout = 120_000L

    test("accept: a connection gives one readable event, accept succeeds, then returns null") {
        Poll.open().use { poll ->
            val events = Events.withCapacity(128)
            TcpListener.bind(localV4()).use { listener ->
                poll.registry().register(listener, LISTENER, Interest.READABLE)
                Socket(LOOPBACK, listener.localAddress().port).use {
                    poll.poll(events, Duration.ofSeconds(5))
                    events.size() shouldBe 1
                    events.get(0).token() shouldBe LISTENER
                    events.get(0).isReadable shouldBe true
                    listener.accept().shouldNotBeNull().close()
                    listener.accept().shouldBeNull()
                }
            }
        }
    }

    test("connect: writable first; after the peer closes, readable") {
        val peerMayClose = CountDownLatch(1)
        withBlockingPeer({ peerMayClose.await(10, TimeUnit.SECONDS) }) { address ->
            withClient(address, Interest.READABLE.add(Interest.WRITABLE)) { poll, events, stream ->
                poll.poll(events, Duration.ofSeconds(5))
                events.size() shouldBe 1
                events.get(0).isWritable shouldBe true
                events.get(0).isReadable shouldBe false
                peerMayClose.countDown()
                awaitEvent(poll, events, CLIENT) { it.isReadable }
                stream.read(ByteBuffer.allocate(8)) shouldBe -1
            }
        }
    }

    for (peekFirst in listOf(false, true)) {
        test("16 MiB from a peer, read to would-block on every event" + if (peekFirst) ", with a peek first" else "") {
            withBlockingPeer({ peer ->
                val chunk = ByteArray(1024)
                repeat(N / chunk.size) { peer.getOutputStream().write(chunk) }
            }) { address ->
                withClient(address, Interest.READABLE) { poll, events, stream ->
                    val buffer = ByteBuffer.allocateDirect(1024)
                    var total = 0
                    val deadline = System.nanoTime() + 60_000_000_000L
                    while (total < N && System.nanoTime() < deadline) {
                        poll.poll(events, Duration.ofSeconds(1))
                        for (event in events) {
                            event.token() shouldBe CLIENT
                            if (peekFirst && stream.peek(buffer.clear()) == 0) continue
                            while (true) {
                                val n = stream.read(buffer.clear())
                                if (n <= 0) break
                                total += n
                            }
                        }
                    }
                    total shouldBe N
                }
            }
        }
    }

    test("16 MiB to a peer, written to would-block on every event") {
        var received = 0
        withBlockingPeer({ peer ->
            val chunk = ByteArray(64 * 1024)
            while (received < N) {
                val n = peer.getInputStream().read(chunk)
                if (n < 0) break
                received += n
            }
        }) { address ->
            withClient(address, Interest.WRITABLE) { poll, events, stream ->
                val buffer = ByteBuffer.allocateDirect(1024)
                var total = 0
                val deadline = System.nanoTime() + 60_000_000_000L
                while (total < N && System.nanoTime() < deadline) {
                    poll.poll(events, Duration.ofSeconds(1))
                    for (event in events) {
                        while (total < N) {
                            buffer.clear().limit(minOf(buffer.capacity(), N - total))
                            val n = stream.write(buffer)
                            if (n == 0) break
                            total += n
                        }
                    }
                }
                total shouldBe N
            }
        }
        received shouldBe N
    }

    test("16 MiB round trip through an echo on the same poll, draining on every event") {
        Poll.open().use { poll ->
            val events = Events.withCapacity(128)
            TcpListener.bind(localV4()).use { listener ->
                val client = TcpStream.connect(listener.localAddress())
                val server = acceptWithin(listener)
                try {
                    poll.registry().register(client, CLIENT, Interest.READABLE.add(Interest.WRITABLE))
                    poll.registry().register(server, SERVER, Interest.READABLE.add(Interest.WRITABLE))
                    val outgoing = ByteBuffer.allocateDirect(N)
                    for (i in 0 until N) outgoing.put(i, (i % 251).toByte())
                    val incoming = ByteBuffer.allocateDirect(N)
                    val relay = ByteBuffer.allocateDirect(256 * 1024) // the echo's buffer: read into it, write from it
                    relay.flip()
                    val deadline = System.nanoTime() + 60_000_000_000L
                    while (incoming.hasRemaining() && System.nanoTime() < deadline) {
                        poll.poll(events, Duration.ofSeconds(1))
                        for (event in events) {
                            // Drain whatever this event may have made possible, on both ends, to would-block.
                            while (outgoing.hasRemaining() && client.write(outgoing) > 0) Unit
                            while (true) {
                                if (relay.hasRemaining()) {
                                    if (server.write(relay) == 0) break
                                    continue
                                }
                                relay.clear()
                                val n = server.read(relay)
                                relay.flip()
                                if (n <= 0) break
                            }
                            while (incoming.hasRemaining()) {
                                val n = client.read(incoming)
                                check(n >= 0) { "unexpected end of stream" }
                                if (n == 0) break
                            }
                        }
                    }
                    incoming.position() shouldBe N
                    for (i in 0 until N) {
                        if (incoming.get(i) != (i % 251).toByte()) error("byte $i differs")
                    }
                } finally {
                    closeAll(client, server)
                }
            }
        }
    }

    test("an accepted stream registered and closed at once gives the client an event") {
        Poll.open().use { poll ->
            val events = Events.withCapacity(128)
            TcpListener.bind(localV4()).use { listener ->
                TcpStream.connect(listener.localAddress()).use { client ->
                    poll.registry().register(listener, LISTENER, Interest.READABLE)
                    poll.registry().register(client, CLIENT, Interest.READABLE)
                    var clientEvent = false
                    val deadline = System.nanoTime() + 10_000_000_000L
                    while (!clientEvent && System.nanoTime() < deadline) {
                        poll.poll(events, Duration.ofMillis(500))
                        for (event in events) {
                            if (event.token() == LISTENER) {
                                listener.accept()?.let { accepted ->
                                    poll.registry().register(accepted, SERVER, Interest.READABLE.add(Interest.WRITABLE))
                                    accepted.close()
                                }
                            } else if (event.token() == CLIENT) {
                                clientEvent = true
                            }
                        }
                    }
                    clientEvent shouldBe true
                    client.read(ByteBuffer.allocate(8)) shouldBe -1
                }
            }
        }
    }

    test("after a writable event, 16 writes of 1 KiB all complete at once") {
        var received: ByteArray? = null
        withBlockingPeer({ peer -> received = peer.getInputStream().readNBytes(16 * 1024) }) { address ->
            withClient(address, Interest.WRITABLE) { poll, events, stream ->
                awaitEvent(poll, events, CLIENT) { it.isWritable }
                val ones = ByteArray(1024) { 1 }
                repeat(16) { stream.write(ones, 0, ones.size) shouldBe ones.size }
            }
        }
        val bytes = received.shouldNotBeNull()
        bytes.size shouldBe 16 * 1024
        bytes.all { it == 1.toByte() } shouldBe true
    }

    test("a reset by the peer reads as end of stream or an error, never as data") {
        Poll.open().use { poll ->
            val events = Events.withCapacity(16)
            TcpListener.bind(localV4()).use { listener ->
                val client = TcpStream.connect(listener.localAddress())
                client.setOption(StandardSocketOptions.SO_LINGER, 0)
                val server = acceptWithin(listener)
                try {
                    client.close()
                    Thread.sleep(100)
                    poll.registry().register(server, SERVER, Interest.READABLE)
                    awaitEvent(poll, events, SERVER) { it.isReadable }
                    val result = runCatching { server.read(ByteBuffer.allocate(16)) }
                    if (result.isSuccess) result.getOrThrow() shouldBe -1
                    else result.exceptionOrNull().shouldBeInstanceOf<IOException>()
                } finally {
                    closeAll(client, server)
                }
            }
        }
    }

    test("connecting to a closed port fails at once, or with an error event and takeError set") {
        Poll.open().use { poll ->
            val events = Events.withCapacity(16)
            val stream = try {
                TcpStream.connect(InetSocketAddress(LOOPBACK, closedPort()))
            } catch (e: ConnectException) {
                null // refused synchronously: allowed
            }
            stream?.use {
                poll.registry().register(it, CLIENT, Interest.WRITABLE)
                val readiness = awaitEvent(poll, events, CLIENT)
                (readiness and (Readiness.WRITABLE or Readiness.ERROR)) shouldNotBe 0
                (readiness and Readiness.WRITE_CLOSED) shouldBe Readiness.WRITE_CLOSED
                it.takeError().shouldBeInstanceOf<ConnectException>()
                it.takeError().shouldBeNull() // taking the error clears it
                it.peerAddress().shouldBeNull()
            }
        }
    }

    test("writing after the peer closed eventually fails with an error that is not would-block") {
        val peerMayClose = CountDownLatch(1)
        val peerClosed = CountDownLatch(1)
        withBlockingPeer({ peerMayClose.await(10, TimeUnit.SECONDS) }) { address ->
            withClient(address, Interest.READABLE.add(Interest.WRITABLE)) { poll, events, stream ->
                awaitEvent(poll, events, CLIENT) { it.isWritable }
                peerMayClose.countDown()
                awaitEvent(poll, events, CLIENT) { it.isReadable }
                peerClosed.countDown()
                val buffer = ByteBuffer.allocateDirect(1024)
                val failure = runCatching {
                    val deadline = System.nanoTime() + 10_000_000_000L
                    while (System.nanoTime() < deadline) {
                        if (stream.write(buffer.clear()) == 0) awaitEvent(poll, events, CLIENT)
                    }
                }.exceptionOrNull()
                failure.shouldBeInstanceOf<java.net.SocketException>()
            }
        }
    }

    test("peer and local addresses work on both ends once their events arrive") {
        Poll.open().use { poll ->
            val events = Events.withCapacity(16)
            TcpListener.bind(localV4()).use { listener ->
                poll.registry().register(listener, LISTENER, Interest.READABLE)
                TcpStream.connect(listener.localAddress()).use { client ->
                    poll.registry().register(client, CLIENT, Interest.READABLE)
                    awaitEvent(poll, events, LISTENER)
                    acceptWithin(listener).use { accepted ->
                        poll.registry().register(accepted, SERVER, Interest.WRITABLE)
                        awaitEvent(poll, events, SERVER) { it.isWritable }
                        accepted.peerAddress() shouldBe client.localAddress()
                        accepted.localAddress() shouldBe listener.localAddress()
                        accepted.write(directOf(byteArrayOf(1, 2, 3))) shouldBe 3
                        awaitEvent(poll, events, CLIENT) { it.isReadable }
                        client.peerAddress() shouldBe listener.localAddress()
                        client.localAddress() shouldBe accepted.peerAddress()
                    }
                }
            }
        }
    }

    for (closeIt in listOf(true, false)) {
        val how = if (closeIt) "closed" else "deregistered"
        test("write then $how: each poll reports exactly the one expected event, and the data arrives") {
            Poll.open().use { poll ->
                val events = Events.withCapacity(1024)
                TcpListener.bind(localV4()).use { listener ->
                    TcpStream.connect(listener.localAddress()).use { client ->
                        poll.registry().register(listener, 1L, Interest.READABLE)
                        poll.registry().register(client, 3L, Interest.READABLE)
                        pollUntilSome(poll, events)
                        events.size() shouldBe 1
                        events.get(0).token() shouldBe 1L

                        val accepted = listener.accept().shouldNotBeNull()
                        poll.registry().register(accepted, 2L, Interest.WRITABLE)
                        pollUntilSome(poll, events)
                        events.size() shouldBe 1
                        events.get(0).token() shouldBe 2L

                        accepted.write(directOf(byteArrayOf(1, 2, 3, 4))) shouldBe 4
                        if (closeIt) accepted.close() else poll.registry().deregister(accepted)
                        poll.registry().reregister(client, 3L, Interest.READABLE)
                        pollUntilSome(poll, events)
                        events.size() shouldBe 1
                        events.get(0).token() shouldBe 3L
                        val buffer = ByteBuffer.allocate(10)
                        client.read(buffer) shouldBe 4
                        buffer.writtenBytes() shouldBe byteArrayOf(1, 2, 3, 4)
                        accepted.close()
                    }
                }
            }
        }
    }

    test("after deregistering everything, reads and writes still work and no events appear") {
        Poll.open().use { poll ->
            val events = Events.withCapacity(16)
            TcpListener.bind(localV4()).use { listener ->
                TcpStream.connect(listener.localAddress()).use { stream ->
                    poll.registry().register(listener, 1L, Interest.READABLE)
                    poll.registry().register(stream, 3L, Interest.READABLE)
                    expectEvents(poll, events, ExpectEvent(1L, Readiness.READABLE))
                    listener.accept().shouldNotBeNull().use { accepted ->
                        poll.registry().register(accepted, 2L, Interest.WRITABLE)
                        expectEvents(poll, events, ExpectEvent(2L, Readiness.WRITABLE))
                        accepted.write(directOf(byteArrayOf(1, 2, 3, 4))) shouldBe 4
                        expectEvents(poll, events, ExpectEvent(3L, Readiness.READABLE))

                        poll.registry().deregister(listener)
                        poll.registry().deregister(stream)
                        poll.registry().deregister(accepted)
                        expectNoEvents(poll, events)
                        readExactly(stream, 4) shouldBe byteArrayOf(1, 2, 3, 4)
                        accepted.write(directOf(byteArrayOf(1, 2, 3, 4))) shouldBe 4
                        expectNoEvents(poll, events)
                        readExactly(stream, 4) shouldBe byteArrayOf(1, 2, 3, 4)
                        expectNoEvents(poll, events)
                    }
                }
            }
        }
    }
})

/** Connects to [address] and registers the stream as [CLIENT] for [interest] with a new Poll, for [body]. */
private inline fun withClient(address: InetSocketAddress, interest: Interest, body: (Poll, Events, TcpStream) -> Unit) =
    Poll.open().use { poll ->
        TcpStream.connect(address).use { stream ->
            poll.registry().register(stream, CLIENT, interest)
            body(poll, Events.withCapacity(128), stream)
        }
    }

/** Polls until a poll returns events (at most 5 s). */
private fun pollUntilSome(poll: Poll, events: Events) {
    val deadline = System.nanoTime() + 5_000_000_000L
    do {
        poll.poll(events, Duration.ofMillis(500))
    } while (events.isEmpty && System.nanoTime() < deadline)
}

private infix fun Int.shouldNotBe(other: Int) = check(this != other) { "expected anything but $other" }
