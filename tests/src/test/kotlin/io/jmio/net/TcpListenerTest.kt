package io.jmio.net

import io.jmio.Events
import io.jmio.Interest
import io.jmio.Poll
import io.jmio.testing.ExpectEvent
import io.jmio.testing.Readiness
import io.jmio.testing.acceptWithin
import io.jmio.testing.closeAll
import io.jmio.testing.expectEvents
import io.jmio.testing.expectNoEvents
import io.jmio.testing.localV4
import io.jmio.testing.localV6
import io.jmio.testing.shouldBeNonBlockingAndCloseOnExec
import io.jmio.testing.shouldContainErrno
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.nulls.shouldBeNull
import io.kotest.matchers.nulls.shouldNotBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import io.kotest.matchers.types.shouldBeInstanceOf
import java.net.BindException
import java.net.ConnectException
import java.net.Inet4Address
import java.net.InetAddress
import java.net.InetSocketAddress
import java.net.Socket
import java.net.StandardSocketOptions
import java.nio.ByteBuffer
import java.nio.channels.ClosedChannelException

private const val ID1 = 1L
private const val ID2 = 2L

class TcpListenerTest : FunSpec({
    timeout = 60_000L

    for ((family, local) in listOf("IPv4" to localV4(), "IPv6" to localV6())) {
        test("$family listener: one readable event, accept gives a loopback peer, then null") {
            Poll.open().use { poll ->
                val events = Events.withCapacity(16)
                TcpListener.bind(local).use { listener ->
                    val address = listener.localAddress()
                    listener.shouldBeNonBlockingAndCloseOnExec()
                    poll.registry().register(listener, ID1, Interest.READABLE)

                    Socket(address.address, address.port).use {
                        expectEvents(poll, events, ExpectEvent(ID1, Readiness.READABLE))
                        listener.accept().shouldNotBeNull().use { stream ->
                            val peer = stream.peerAddress().shouldNotBeNull()
                            peer.address.isLoopbackAddress shouldBe true
                            peer.port shouldBe it.localPort
                            stream.localAddress() shouldBe address
                            stream.shouldBeNonBlockingAndCloseOnExec()
                            stream.read(ByteBuffer.allocate(20)) shouldBe 0
                        }
                        listener.accept().shouldBeNull()
                        listener.takeError().shouldBeNull()
                    }
                }
            }
        }
    }

    test("ttl can be set and read back, and read without a prior set") {
        TcpListener.bind(localV4()).use { listener ->
            listener.ttl() shouldNotBe 0
            listener.setTtl(10)
            listener.ttl() shouldBe 10
            listener.takeError().shouldBeNull()
        }
        TcpListener.bind(localV6()).use { listener ->
            listener.setTtl(17)
            listener.ttl() shouldBe 17
        }
    }

    test("an idle registered listener gets no events") {
        Poll.open().use { poll ->
            TcpListener.bind(localV4()).use { listener ->
                poll.registry().register(listener, ID1, Interest.READABLE)
                expectNoEvents(poll, Events.withCapacity(16))
            }
        }
    }

    test("reregister replaces the token") {
        Poll.open().use { poll ->
            val events = Events.withCapacity(16)
            TcpListener.bind(localV4()).use { listener ->
                poll.registry().register(listener, ID1, Interest.READABLE)
                poll.registry().reregister(listener, ID2, Interest.READABLE)
                TcpStream.connect(listener.localAddress()).use {
                    expectEvents(poll, events, ExpectEvent(ID2, Readiness.READABLE))
                    events.any { it.token() == ID1 } shouldBe false
                    listener.accept().shouldNotBeNull().close()
                    listener.accept().shouldBeNull()
                }
            }
        }
    }

    test("after deregister no events arrive but accept still works") {
        Poll.open().use { poll ->
            val events = Events.withCapacity(16)
            TcpListener.bind(localV4()).use { listener ->
                poll.registry().register(listener, ID1, Interest.READABLE)
                poll.registry().deregister(listener)
                TcpStream.connect(listener.localAddress()).use {
                    expectNoEvents(poll, events)
                    acceptWithin(listener).use { stream -> stream.localAddress() shouldBe listener.localAddress() }
                    listener.accept().shouldBeNull()
                }
            }
        }
    }

    test("a second connection after accept returned null gives a new readable event") {
        Poll.open().use { poll ->
            val events = Events.withCapacity(16)
            TcpListener.bind(localV4()).use { listener ->
                poll.registry().register(listener, ID1, Interest.READABLE)
                val first = TcpStream.connect(listener.localAddress())
                expectEvents(poll, events, ExpectEvent(ID1, Readiness.READABLE))
                listener.accept().shouldNotBeNull().close()
                listener.accept().shouldBeNull()
                val second = TcpStream.connect(listener.localAddress())
                expectEvents(poll, events, ExpectEvent(ID1, Readiness.READABLE))
                listener.accept().shouldNotBeNull().close()
                expectNoEvents(poll, events)
                closeAll(first, second)
            }
        }
    }

    test("binding an address in use fails with BindException") {
        TcpListener.bind(localV4()).use { first ->
            shouldThrow<BindException> { TcpListener.bind(first.localAddress()) }.message!! shouldContainErrno "EADDRINUSE"
        }
    }

    test("a closed listener is never reported, and every call then throws ClosedChannelException") {
        Poll.open().use { poll ->
            val listener = TcpListener.bind(localV4())
            val address = listener.localAddress()
            poll.registry().register(listener, ID1, Interest.READABLE)
            listener.close()
            listener.close()
            listener.isOpen shouldBe false
            // Refused at once or later: either way the closed listener must stay silent.
            runCatching { TcpStream.connect(address) }.getOrNull()?.close()
            expectNoEvents(poll, Events.withCapacity(16))
            shouldThrow<ClosedChannelException> { listener.accept() }
            shouldThrow<ClosedChannelException> { listener.localAddress() }
            shouldThrow<ClosedChannelException> { listener.setTtl(5) }
            shouldThrow<ClosedChannelException> { listener.takeError() }
            shouldThrow<ClosedChannelException> { listener.setOption(StandardSocketOptions.SO_RCVBUF, 1 shl 16) }
        }
    }

    test("a backlog below 1 is rejected") {
        shouldThrow<IllegalArgumentException> { TcpListener.bind(localV4(), 0) }
        TcpSocket.v4().use { shouldThrow<IllegalArgumentException> { it.listen(-1) } }
    }

    test("an IPv6 wildcard listener accepts IPv4 clients") {
        TcpListener.bind(InetSocketAddress(InetAddress.getByName("::"), 0)).use { listener ->
            val port = listener.localAddress().port
            TcpStream.connect(InetSocketAddress(InetAddress.getByName("127.0.0.1"), port)).use {
                acceptWithin(listener).use { stream ->
                    val peer = stream.peerAddress().shouldNotBeNull()
                    peer.address.shouldBeInstanceOf<Inet4Address>()
                    peer.address.isLoopbackAddress shouldBe true
                    stream.localAddress().address shouldBe InetAddress.getByName("127.0.0.1")
                }
            }
        }
    }

    test("a v6-only wildcard listener refuses IPv4 clients but serves IPv6 ones") {
        TcpSocket.v6().setV6Only(true).bind(InetSocketAddress(InetAddress.getByName("::"), 0)).listen().use { listener ->
            val port = listener.localAddress().port
            shouldThrow<ConnectException> { Socket(InetAddress.getByName("127.0.0.1"), port).close() }
            Socket(InetAddress.getByName("::1"), port).use { acceptWithin(listener).close() }
        }
    }

    test("listeners with SO_REUSEPORT share one port and the kernel spreads connections across them") {
        val first = TcpSocket.v4().setOption(StandardSocketOptions.SO_REUSEPORT, true).bind(localV4()).listen()
        val address = first.localAddress()
        val second = TcpSocket.v4().setOption(StandardSocketOptions.SO_REUSEPORT, true).bind(address).listen()
        try {
            second.localAddress() shouldBe address
            TcpSocket.v4().use { plain -> shouldThrow<BindException> { plain.bind(address) } }
            val clients = (1..32).map { TcpStream.connect(address) }
            val accepted = IntArray(2)
            val deadline = System.nanoTime() + 5_000_000_000L
            while (accepted.sum() < clients.size && System.nanoTime() < deadline) {
                first.accept()?.let { it.close(); accepted[0]++ }
                second.accept()?.let { it.close(); accepted[1]++ }
            }
            accepted.sum() shouldBe clients.size
            // 32 connections all hashed to one listener would be a 1 in 2^31 event.
            (accepted[0] > 0 && accepted[1] > 0) shouldBe true
            closeAll(*clients.toTypedArray())
        } finally {
            closeAll(first, second)
        }
    }
})
