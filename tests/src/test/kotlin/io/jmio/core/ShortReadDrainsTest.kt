package io.jmio.core

import io.jmio.Event
import io.jmio.Events
import io.jmio.Interest
import io.jmio.Poll
import io.jmio.net.Shutdown
import io.jmio.net.TcpListener
import io.jmio.net.TcpStream
import io.jmio.testing.acceptWithin
import io.jmio.testing.localV4
import io.jmio.testing.send
import io.jmio.testing.withPolledPair
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import java.net.Socket
import java.nio.ByteBuffer
import java.time.Duration

/**
 * [Event.shortReadDrains]: true for plain data, so a reader may skip the read that would block;
 * false whenever a short read may leave something behind with no new edge to come.
 */
class ShortReadDrainsTest : FunSpec({
    timeout = 60_000L
    blockingTest = true

    /** The first event for token 1 that [accept] takes, with what shortReadDrains says of it. */
    fun Poll.drainsOnEvent(events: Events, accept: (Event) -> Boolean): Boolean {
        val deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos()
        while (System.nanoTime() < deadline) {
            poll(events, Duration.ofMillis(200))
            for (event in events) if (event.token() == 1L && accept(event)) return event.shortReadDrains()
        }
        error("no matching event within 5 s")
    }

    test("data alone: a short read drains the socket") {
        withPolledPair { poll, events, client, server ->
            poll.registry().register(server, 1, Interest.READABLE.add(Interest.PRIORITY))
            client.write(ByteBuffer.wrap("hello".toByteArray()))
            poll.drainsOnEvent(events) { it.isReadable } shouldBe true
            val buffer = ByteBuffer.allocateDirect(64)
            server.read(buffer) shouldBe 5 // short: 64 bytes of room
        }
    }

    test("data and the peer's FIN: end of stream may come with no new edge, so read on") {
        withPolledPair { poll, events, client, server ->
            poll.registry().register(server, 1, Interest.READABLE)
            client.write(ByteBuffer.wrap("bye".toByteArray()))
            client.shutdown(Shutdown.WRITE)
            poll.drainsOnEvent(events) { it.isReadClosed } shouldBe false
        }
    }

    test("urgent data: a read stops at the mark with more queued behind it, so read on") {
        Poll.open().use { poll ->
            TcpListener.bind(localV4()).use { listener ->
                Socket(listener.localAddress().address, listener.localAddress().port).use { peer ->
                    acceptWithin(listener).use { server: TcpStream ->
                        poll.registry().register(server, 1, Interest.READABLE.add(Interest.PRIORITY))
                        peer.send("AAAA", urgent = 'B', then = "CCCC")
                        poll.drainsOnEvent(Events.withCapacity(16)) { it.isPriority } shouldBe false
                    }
                }
            }
        }
    }
})
