package io.jmio.net

import io.jmio.Events
import io.jmio.Interest
import io.jmio.Poll
import io.jmio.testing.acceptWithin
import io.jmio.testing.awaitEvent
import io.jmio.testing.directOf
import io.jmio.testing.localV4
import io.jmio.testing.readExactly
import io.jmio.testing.withPolledPair
import io.jmio.testing.withTcpPair
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import java.nio.ByteBuffer
import java.time.Duration

private const val SERVER = 0L
private const val CLIENT = 1L

class CloseOnDropTest : FunSpec({
    timeout = 60_000L

    test("the server closing an accepted connection makes the client readable, then reads end of stream") {
        Poll.open().use { poll ->
            val events = Events.withCapacity(1024)
            TcpListener.bind(localV4()).use { listener ->
                poll.registry().register(listener, SERVER, Interest.READABLE)
                TcpStream.connect(listener.localAddress()).use { client ->
                    poll.registry().register(client, CLIENT, Interest.WRITABLE)
                    var endOfStream = false
                    val deadline = System.nanoTime() + 10_000_000_000L
                    while (!endOfStream && System.nanoTime() < deadline) {
                        poll.poll(events, Duration.ofMillis(500))
                        for (event in events) {
                            if (event.isReadable) {
                                when (event.token()) {
                                    SERVER -> listener.accept()?.close()
                                    CLIENT -> {
                                        val n = client.read(ByteBuffer.allocate(1024))
                                        check(n <= 0) { "the client socket should not have data" }
                                        endOfStream = n == -1
                                    }
                                }
                            }
                            if (event.isWritable && event.token() == CLIENT) {
                                // connected: from now on only reading matters
                                poll.registry().reregister(client, CLIENT, Interest.READABLE)
                            }
                        }
                    }
                    endOfStream shouldBe true
                }
            }
        }
    }

    test("closing a registered stream removes it from epoll: its token is never reported again") {
        withPolledPair { poll, events, client, server ->
            poll.registry().register(client, CLIENT, Interest.READABLE.add(Interest.WRITABLE))
            awaitEvent(poll, events, CLIENT) { it.isWritable }
            client.close()
            server.write(directOf(byteArrayOf(1, 2, 3))) // provokes a reset: more readiness for a closed fd
            server.close()
            poll.poll(events, Duration.ofMillis(200))
            events.none { it.token() == CLIENT } shouldBe true
        }
    }

    test("closing a connected stream after a would-block read lets the peer read end of stream") {
        TcpListener.bind(localV4()).use { listener ->
            val client = TcpStream.connect(listener.localAddress())
            acceptWithin(listener).use { server ->
                client.read(ByteBuffer.allocateDirect(16)) shouldBe 0
                client.close()
                val deadline = System.nanoTime() + 5_000_000_000L
                var n = 0
                while (n == 0 && System.nanoTime() < deadline) n = server.read(ByteBuffer.allocate(16))
                n shouldBe -1
            }
        }
    }

    test("closing one end of a pair does not disturb the other end's pending data") {
        withTcpPair { client, server ->
            server.write(directOf(byteArrayOf(4, 5, 6))) shouldBe 3
            server.close()
            readExactly(client, 3) shouldBe byteArrayOf(4, 5, 6)
        }
    }
})
