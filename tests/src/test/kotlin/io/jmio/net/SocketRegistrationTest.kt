package io.jmio.net

import io.jmio.Events
import io.jmio.Interest
import io.jmio.Poll
import io.jmio.Waker
import io.jmio.testing.ExpectEvent
import io.jmio.testing.Worker
import io.jmio.testing.Readiness
import io.jmio.testing.acceptWithin
import io.jmio.testing.awaitEvent
import io.jmio.testing.closeAll
import io.jmio.testing.directOf
import io.jmio.testing.expectEvents
import io.jmio.testing.expectNoEvents
import io.jmio.testing.localV4
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.io.IOException
import java.nio.ByteBuffer
import java.time.Duration
import java.util.concurrent.CyclicBarrier
import java.util.concurrent.TimeUnit

private const val ID1 = 1L
private const val ID2 = 2L
private const val ID3 = 3L
private const val WAKE = 10L

class SocketRegistrationTest : FunSpec({
    timeout = 60_000L

    test("a registration from another thread wakes a blocked poll with exactly that event") {
        Poll.open().use { poll ->
            val events = Events.withCapacity(16)
            UdpSocket.bind(localV4()).use { socket ->
                val worker = Worker {
                    Thread.sleep(200) // let the poll below block first
                    poll.registry().register(socket, ID1, Interest.WRITABLE)
                }
                poll.poll(events, Duration.ofSeconds(10))
                worker.join()
                events.size() shouldBe 1
                events.get(0).token() shouldBe ID1
                events.get(0).isWritable shouldBe true
            }
        }
    }

    test("reregister replaces both token and interest") {
        Poll.open().use { poll ->
            val events = Events.withCapacity(16)
            UdpSocket.bind(localV4()).use { socket ->
                poll.registry().register(socket, ID1, Interest.READABLE)
                poll.registry().reregister(socket, ID1, Interest.READABLE)
                poll.registry().reregister(socket, ID2, Interest.WRITABLE)
                expectEvents(poll, events, ExpectEvent(ID2, Readiness.WRITABLE))
                events.none { it.token() == ID1 } shouldBe true
            }
        }
    }

    test("three threads register, deregister, register and reregister concurrently; each final registration reports") {
        Poll.open().use { poll ->
            val events = Events.withCapacity(16)
            val listener = TcpListener.bind(localV4())
            val udp = UdpSocket.bind(localV4())
            val stream = TcpStream.connect(listener.localAddress())
            try {
                val registry = poll.registry()
                val start = CyclicBarrier(3)
                val workers = listOf(
                    Worker {
                        start.await(5, TimeUnit.SECONDS)
                        registry.register(listener, ID1, Interest.READABLE)
                        registry.deregister(listener)
                        registry.register(listener, ID1, Interest.READABLE)
                        registry.reregister(listener, ID1, Interest.READABLE)
                    },
                    Worker {
                        start.await(5, TimeUnit.SECONDS)
                        registry.register(udp, ID2, Interest.WRITABLE)
                        registry.deregister(udp)
                        registry.register(udp, ID2, Interest.WRITABLE)
                        registry.reregister(udp, ID2, Interest.WRITABLE.add(Interest.READABLE))
                    },
                    Worker {
                        start.await(5, TimeUnit.SECONDS)
                        registry.register(stream, ID3, Interest.READABLE)
                        registry.deregister(stream)
                        registry.register(stream, ID3, Interest.READABLE)
                        registry.reregister(stream, ID3, Interest.READABLE.add(Interest.WRITABLE))
                    },
                )
                workers.forEach { it.join() }
                expectEvents(poll, events,
                    ExpectEvent(ID1, Readiness.READABLE), ExpectEvent(ID2, Readiness.WRITABLE), ExpectEvent(ID3, Readiness.WRITABLE))
            } finally {
                closeAll(stream, udp, listener)
            }
        }
    }

    test("after a poll, a reregistered listener reports its connection under the new token; a stream registered from another thread reports too") {
        Poll.open().use { poll ->
            val events = Events.withCapacity(16)
            TcpListener.bind(localV4()).use { listener ->
                poll.registry().register(listener, ID1, Interest.READABLE)
                poll.poll(events, 0)
                poll.registry().reregister(listener, ID2, Interest.READABLE)
                val client = TcpStream.connect(listener.localAddress())
                try {
                    expectEvents(poll, events, ExpectEvent(ID2, Readiness.READABLE))
                    val worker = Worker { poll.registry().register(client, ID3, Interest.WRITABLE) }
                    worker.join()
                    expectEvents(poll, events, ExpectEvent(ID3, Readiness.WRITABLE))
                } finally {
                    client.close()
                }
            }
        }
    }

    test("readable, then reregistered writable, then deregistered: no more events") {
        Poll.open().use { poll ->
            val events = Events.withCapacity(16)
            TcpListener.bind(localV4()).use { listener ->
                poll.registry().register(listener, ID1, Interest.READABLE)
                TcpStream.connect(listener.localAddress()).use { client ->
                    poll.registry().register(client, ID2, Interest.READABLE)
                    expectEvents(poll, events, ExpectEvent(ID1, Readiness.READABLE))
                    acceptWithin(listener).use { server ->
                        server.write(directOf("foobar".toByteArray())) shouldBe 6
                        expectEvents(poll, events, ExpectEvent(ID2, Readiness.READABLE))
                        poll.registry().reregister(client, ID2, Interest.WRITABLE)
                        expectEvents(poll, events, ExpectEvent(ID2, Readiness.WRITABLE))
                        poll.registry().deregister(listener)
                        poll.registry().deregister(client)
                        expectNoEvents(poll, events)
                    }
                }
            }
        }
    }

    test("a listener with a pending connection, reregistered for writing only, gets no events") {
        Poll.open().use { poll ->
            val events = Events.withCapacity(16)
            TcpListener.bind(localV4()).use { listener ->
                poll.registry().register(listener, ID1, Interest.READABLE)
                TcpStream.connect(listener.localAddress()).use {
                    expectEvents(poll, events, ExpectEvent(ID1, Readiness.READABLE))
                    poll.registry().reregister(listener, ID1, Interest.WRITABLE)
                    expectNoEvents(poll, events)
                }
            }
        }
    }

    test("register, deregister, register of an idle listener: no events") {
        Poll.open().use { poll ->
            TcpListener.bind(localV4()).use { listener ->
                poll.registry().register(listener, ID1, Interest.READABLE)
                poll.registry().deregister(listener)
                poll.registry().register(listener, ID1, Interest.READABLE)
                expectNoEvents(poll, Events.withCapacity(16))
            }
        }
    }

    test("regression #1205: a deregistered listener with a pending connection stays silent; the wake is the only event") {
        Poll.open().use { poll ->
            val events = Events.withCapacity(16)
            Waker(poll.registry(), WAKE).use { waker ->
                TcpListener.bind(localV4()).use { listener ->
                    poll.registry().register(listener, ID1, Interest.READABLE)
                    poll.poll(events, 0)
                    events.isEmpty shouldBe true
                    TcpStream.connect(listener.localAddress()).use {
                        poll.registry().deregister(listener)
                        val worker = Worker {
                            Thread.sleep(500)
                            waker.wake()
                        }
                        poll.poll(events, Duration.ofSeconds(10))
                        worker.join()
                        events.size() shouldBe 1
                        events.get(0).token() shouldBe WAKE
                        events.get(0).isReadable shouldBe true
                    }
                }
            }
        }
    }

    test("double register, and reregister or deregister of an unregistered socket, fail clearly") {
        Poll.open().use { poll ->
            Poll.open().use { other ->
                TcpListener.bind(localV4()).use { listener ->
                    UdpSocket.bind(localV4()).use { udp ->
                        shouldThrow<IOException> { poll.registry().reregister(listener, ID1, Interest.READABLE) }
                            .message shouldContain "not registered"
                        shouldThrow<IOException> { poll.registry().deregister(udp) }.message shouldContain "not registered"
                        poll.registry().register(listener, ID1, Interest.READABLE)
                        shouldThrow<IOException> { poll.registry().register(listener, ID1, Interest.READABLE) }
                            .message shouldContain "already registered"
                        poll.registry().register(udp, ID2, Interest.READABLE)
                        shouldThrow<IOException> { other.registry().register(udp, ID2, Interest.READABLE) }
                            .message shouldContain "already registered"
                    }
                }
            }
        }
    }

    test("a stream read to would-block and closed lets the peer read end of stream (regression #776)") {
        Poll.open().use { poll ->
            val events = Events.withCapacity(16)
            TcpListener.bind(localV4()).use { listener ->
                val client = TcpStream.connect(listener.localAddress())
                poll.registry().register(client, ID1, Interest.READABLE.add(Interest.WRITABLE))
                awaitEvent(poll, events, ID1)
                client.read(ByteBuffer.allocate(1024)) shouldBe 0
                client.close()
                acceptWithin(listener).use { server ->
                    val deadline = System.nanoTime() + 5_000_000_000L
                    var n = 0
                    while (n == 0 && System.nanoTime() < deadline) n = server.read(ByteBuffer.allocate(16))
                    n shouldBe -1
                }
            }
        }
    }
})
