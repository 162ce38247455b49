package io.jmio.net

import io.jmio.Events
import io.jmio.Interest
import io.jmio.Poll
import io.jmio.testing.Emulation
import io.jmio.testing.ExpectEvent
import io.jmio.testing.Readiness
import io.jmio.testing.awaitEvent
import io.jmio.testing.closeAll
import io.jmio.testing.directOf
import io.jmio.testing.expectEvents
import io.jmio.testing.expectNoEvents
import io.jmio.testing.localV4
import io.jmio.testing.localV6
import io.jmio.testing.shouldBeNonBlockingAndCloseOnExec
import io.jmio.testing.shouldContainErrno
import io.jmio.testing.withUdpSockets
import io.jmio.testing.writtenBytes
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.nulls.shouldBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeInstanceOf
import java.net.BindException
import java.net.DatagramPacket
import java.net.DatagramSocket
import java.net.InetAddress
import java.net.InetSocketAddress
import java.net.NetworkInterface
import java.net.PortUnreachableException
import java.net.SocketException
import java.net.StandardSocketOptions
import java.nio.ByteBuffer
import java.time.Duration

private const val ID1 = 1L
private const val ID2 = 2L
private const val ID3 = 3L
private val DATA1 = "Hello world!".toByteArray()
private val DATA2 = "Hello mars!".toByteArray()

/** Polls until [socket] has a datagram for [receive], at most 5 s; returns what [receive] returned. */
private fun <T : Any> awaitDatagram(receive: () -> T?): T {
    val deadline = System.nanoTime() + 5_000_000_000L
    while (System.nanoTime() < deadline) {
        receive()?.let { return it }
        Thread.sleep(1)
    }
    error("no datagram within 5 s")
}

class UdpSocketTest : FunSpec({
    timeout = 60_000L

    test("an empty datagram is a datagram of length 0, not would-block") {
        withUdpSockets(2) { poll, events, (s1, s2) ->
            poll.registry().register(s1, ID1, Interest.WRITABLE)
            poll.registry().register(s2, ID2, Interest.READABLE)
            expectEvents(poll, events, ExpectEvent(ID1, Readiness.WRITABLE))
            s1.sendTo(ByteBuffer.allocateDirect(0), s2.localAddress()) shouldBe 0
            expectEvents(poll, events, ExpectEvent(ID2, Readiness.READABLE))
            val buffer = ByteBuffer.allocateDirect(10)
            s2.receiveFrom(buffer) shouldBe s1.localAddress()
            buffer.position() shouldBe 0
            s2.receiveFrom(buffer).shouldBeNull()
            s1.sendTo(ByteBuffer.allocate(0), s2.localAddress()) shouldBe 0
            awaitDatagram { s2.receive(buffer).takeIf { it >= 0 } } shouldBe 0
            s2.receive(buffer) shouldBe -1
        }
    }

    for ((family, local) in listOf("IPv4" to localV4(), "IPv6" to localV6())) {
        test("$family unconnected sockets: sendTo, peekFrom and receiveFrom give data and sender") {
            withUdpSockets(2, local) { poll, events, (s1, s2) ->
                for (s in listOf(s1, s2)) {
                    s.shouldBeNonBlockingAndCloseOnExec()
                }
                val a1 = s1.localAddress()
                val a2 = s2.localAddress()
                poll.registry().register(s1, ID1, Interest.READABLE.add(Interest.WRITABLE))
                poll.registry().register(s2, ID2, Interest.READABLE.add(Interest.WRITABLE))
                expectEvents(poll, events, ExpectEvent(ID1, Readiness.WRITABLE), ExpectEvent(ID2, Readiness.WRITABLE))

                val buffer = ByteBuffer.allocateDirect(20)
                s1.peekFrom(buffer).shouldBeNull()
                s1.receiveFrom(buffer).shouldBeNull()
                s1.sendTo(directOf(DATA1), a2) shouldBe DATA1.size
                s2.sendTo(directOf(DATA2), a1) shouldBe DATA2.size
                expectEvents(poll, events, ExpectEvent(ID1, Readiness.READABLE), ExpectEvent(ID2, Readiness.READABLE))

                s1.peekFrom(buffer.clear()) shouldBe a2
                buffer.writtenBytes() shouldBe DATA2
                s2.peekFrom(buffer.clear()) shouldBe a1
                buffer.writtenBytes() shouldBe DATA1
                s1.receiveFrom(buffer.clear()) shouldBe a2
                buffer.writtenBytes() shouldBe DATA2
                s2.receiveFrom(buffer.clear()) shouldBe a1
                buffer.writtenBytes() shouldBe DATA1
                s1.takeError().shouldBeNull()
                s2.takeError().shouldBeNull()
            }
        }

        test("$family connected sockets: send, peek and receive") {
            withUdpSockets(2, local) { poll, events, (s1, s2) ->
                s1.connect(s2.localAddress())
                s2.connect(s1.localAddress())
                s1.peerAddress() shouldBe s2.localAddress()
                poll.registry().register(s1, ID1, Interest.READABLE.add(Interest.WRITABLE))
                poll.registry().register(s2, ID2, Interest.READABLE.add(Interest.WRITABLE))
                expectEvents(poll, events, ExpectEvent(ID1, Readiness.WRITABLE), ExpectEvent(ID2, Readiness.WRITABLE))
                val buffer = ByteBuffer.allocateDirect(20)
                s1.peek(buffer) shouldBe -1
                s1.receive(buffer) shouldBe -1
                s1.send(directOf(DATA1)) shouldBe DATA1.size
                s2.send(directOf(DATA2)) shouldBe DATA2.size
                expectEvents(poll, events, ExpectEvent(ID1, Readiness.READABLE), ExpectEvent(ID2, Readiness.READABLE))
                s1.peek(buffer.clear()) shouldBe DATA2.size
                buffer.writtenBytes() shouldBe DATA2
                s2.peek(buffer.clear()) shouldBe DATA1.size
                s1.receive(buffer.clear()) shouldBe DATA2.size
                buffer.writtenBytes() shouldBe DATA2
                s2.receive(buffer.clear()) shouldBe DATA1.size
                buffer.writtenBytes() shouldBe DATA1
                s1.takeError().shouldBeNull()
            }
        }
    }

    test("options round trip: ttl, broadcast, multicast loop and ttl for v4 and v6") {
        UdpSocket.bind(localV4()).use { s ->
            s.ttl()
            s.setTtl(10)
            s.ttl() shouldBe 10
            s.broadcast() shouldBe false
            s.setBroadcast(true)
            s.broadcast() shouldBe true
            s.setBroadcast(false)
            s.broadcast() shouldBe false
            s.multicastLoopV4()
            s.setMulticastLoopV4(false)
            s.multicastLoopV4() shouldBe false
            s.setMulticastLoopV4(true)
            s.multicastLoopV4() shouldBe true
            s.multicastTtlV4()
            s.setMulticastTtlV4(10)
            s.multicastTtlV4() shouldBe 10
            shouldThrow<SocketException> { s.multicastLoopV6() }
            s.takeError().shouldBeNull()
        }
        UdpSocket.bind(localV6()).use { s ->
            s.setTtl(12)
            s.ttl() shouldBe 12
            s.multicastLoopV6()
            s.setMulticastLoopV6(false)
            s.multicastLoopV6() shouldBe false
            s.setMulticastLoopV6(true)
            s.multicastLoopV6() shouldBe true
            s.multicastHopsV6()
            s.setMulticastHopsV6(7)
            s.multicastHopsV6() shouldBe 7
            s.takeError().shouldBeNull()
        }
    }

    test("re-connecting redirects send") {
        withUdpSockets(3) { poll, events, (s1, s2, s3) ->
            s1.connect(s2.localAddress())
            s2.connect(s1.localAddress())
            s3.connect(s1.localAddress())
            poll.registry().register(s1, ID1, Interest.READABLE.add(Interest.WRITABLE))
            poll.registry().register(s2, ID2, Interest.READABLE)
            poll.registry().register(s3, ID3, Interest.READABLE)
            expectEvents(poll, events, ExpectEvent(ID1, Readiness.WRITABLE))
            s1.send(directOf(DATA1)) shouldBe DATA1.size
            expectEvents(poll, events, ExpectEvent(ID2, Readiness.READABLE))
            val buffer = ByteBuffer.allocateDirect(20)
            s2.receive(buffer) shouldBe DATA1.size
            s1.connect(s3.localAddress())
            s1.send(directOf(DATA2)) shouldBe DATA2.size
            expectEvents(poll, events, ExpectEvent(ID3, Readiness.READABLE))
            s3.receive(buffer.clear()) shouldBe DATA2.size
            buffer.writtenBytes() shouldBe DATA2
            s2.receive(buffer.clear()) shouldBe -1
        }
    }

    test("re-connecting filters receive") {
        withUdpSockets(3) { poll, events, (s1, s2, s3) ->
            s1.connect(s2.localAddress())
            s2.connect(s1.localAddress())
            s3.connect(s1.localAddress())
            poll.registry().register(s1, ID1, Interest.READABLE)
            val buffer = ByteBuffer.allocateDirect(20)
            s2.send(directOf(DATA1)) shouldBe DATA1.size
            expectEvents(poll, events, ExpectEvent(ID1, Readiness.READABLE))
            s1.receive(buffer) shouldBe DATA1.size
            s1.receive(buffer.clear()) shouldBe -1

            s1.connect(s3.localAddress())
            s3.send(directOf(DATA2)) shouldBe DATA2.size
            expectEvents(poll, events, ExpectEvent(ID1, Readiness.READABLE))
            s1.receive(buffer.clear()) shouldBe DATA2.size
            buffer.writtenBytes() shouldBe DATA2
            s1.receive(buffer.clear()) shouldBe -1

            s1.connect(s2.localAddress())
            s3.send(directOf(DATA1)) shouldBe DATA1.size // now filtered out
            s2.send(directOf(DATA2)) shouldBe DATA2.size
            expectEvents(poll, events, ExpectEvent(ID1, Readiness.READABLE))
            s1.receiveFrom(buffer.clear()) shouldBe s2.localAddress()
            buffer.writtenBytes() shouldBe DATA2
            s1.receive(buffer.clear()) shouldBe -1
        }
    }

    test("send on an unconnected socket fails with 'address required'; receive and peek work unconnected") {
        withUdpSockets(2) { poll, events, (s1, s2) ->
            val e = shouldThrow<SocketException> { s1.send(directOf(DATA1)) }
            e.message shouldContainErrno "EDESTADDRREQ"
            (e.message!!.contains("address required")) shouldBe true
            s1.peerAddress().shouldBeNull()
            poll.registry().register(s2, ID2, Interest.READABLE)
            s1.sendTo(directOf(DATA1), s2.localAddress()) shouldBe DATA1.size
            expectEvents(poll, events, ExpectEvent(ID2, Readiness.READABLE))
            val buffer = ByteBuffer.allocateDirect(20)
            s2.peek(buffer) shouldBe DATA1.size
            s2.receive(buffer.clear()) shouldBe DATA1.size
            buffer.writtenBytes() shouldBe DATA1
        }
    }

    test("a connected socket may still sendTo another address on Linux") {
        withUdpSockets(3) { _, _, (s1, s2, s3) ->
            s1.connect(s3.localAddress())
            s1.sendTo(directOf(DATA2), s2.localAddress()) shouldBe DATA2.size
            val buffer = ByteBuffer.allocateDirect(20)
            awaitDatagram { s2.receiveFrom(buffer) } shouldBe s1.localAddress()
            buffer.writtenBytes() shouldBe DATA2
        }
    }

    test("a connected socket ignores datagrams from a third party") {
        withUdpSockets(3) { poll, events, (tx, rx, outsider) ->
            tx.connect(rx.localAddress())
            rx.connect(tx.localAddress())
            outsider.connect(rx.localAddress())
            outsider.send(directOf(DATA1)) shouldBe DATA1.size
            poll.registry().register(rx, ID1, Interest.READABLE)
            poll.poll(events, Duration.ofSeconds(1))
            events.none { it.token() == ID1 && it.isReadable } shouldBe true
            rx.receive(ByteBuffer.allocateDirect(20)) shouldBe -1
        }
    }

    test("registered for writing only, a datagram gives no readable event until reregistered for reading") {
        withUdpSockets(2) { poll, events, (socket, sender) ->
            poll.registry().register(socket, ID1, Interest.WRITABLE)
            sender.sendTo(directOf(DATA1), socket.localAddress()) shouldBe DATA1.size
            expectEvents(poll, events, ExpectEvent(ID1, Readiness.WRITABLE))
            events.none { it.isReadable } shouldBe true
            poll.registry().reregister(socket, ID2, Interest.READABLE)
            expectEvents(poll, events, ExpectEvent(ID2, Readiness.READABLE))
            val buffer = ByteBuffer.allocateDirect(20)
            socket.receiveFrom(buffer) shouldBe sender.localAddress()
            buffer.writtenBytes() shouldBe DATA1
        }
    }

    test("after deregister no events arrive but receiveFrom still works") {
        withUdpSockets(2) { poll, events, (socket, sender) ->
            poll.registry().register(socket, ID1, Interest.READABLE)
            sender.sendTo(directOf(DATA1), socket.localAddress()) shouldBe DATA1.size
            poll.registry().deregister(socket)
            expectNoEvents(poll, events)
            awaitDatagram { socket.receiveFrom(ByteBuffer.allocateDirect(20)) } shouldBe sender.localAddress()
        }
    }

    for (connected in listOf(true, false)) {
        test("edge-triggered re-arming (${if (connected) "receive" else "receiveFrom"}): receive to would-block, a new datagram, a new event") {
            withUdpSockets(2) { poll, events, (s1, s2) ->
                poll.registry().register(s2, ID2, Interest.READABLE.add(Interest.WRITABLE))
                expectEvents(poll, events, ExpectEvent(ID2, Readiness.WRITABLE))
                val buffer = ByteBuffer.allocateDirect(20)
                fun send() = if (connected) s1.send(directOf(DATA1)) else s1.sendTo(directOf(DATA1), s2.localAddress())
                fun receive(): Boolean =
                    if (connected) s2.receive(buffer.clear()) >= 0 else s2.receiveFrom(buffer.clear()) != null
                if (connected) s1.connect(s2.localAddress())
                send() shouldBe DATA1.size
                expectEvents(poll, events, ExpectEvent(ID2, Readiness.READABLE))
                receive() shouldBe true
                buffer.writtenBytes() shouldBe DATA1
                receive() shouldBe false
                send() shouldBe DATA1.size
                expectEvents(poll, events, ExpectEvent(ID2, Readiness.READABLE))
                receive() shouldBe true
                buffer.writtenBytes() shouldBe DATA1
            }
        }
    }

    test("a datagram longer than the buffer is cut to fit and the rest discarded") {
        withUdpSockets(2) { _, _, (s1, s2) ->
            s1.sendTo(directOf(DATA1), s2.localAddress())
            s1.sendTo(ByteBuffer.wrap(DATA2), s2.localAddress())
            val small = ByteBuffer.allocate(5)
            awaitDatagram { s2.receiveFrom(small) } shouldBe s1.localAddress()
            small.writtenBytes() shouldBe DATA1.copyOf(5)
            val direct = ByteBuffer.allocateDirect(4)
            awaitDatagram { s2.receiveFrom(direct) }
            direct.writtenBytes() shouldBe DATA2.copyOf(4)
            s2.receiveFrom(direct.clear()).shouldBeNull()
        }
    }

    test("a maximal 65,507-byte datagram arrives whole, also in a heap buffer larger than 64 KiB") {
        val s1 = UdpSocket.v4().setOption(StandardSocketOptions.SO_SNDBUF, 1 shl 20).bind(localV4())
        val s2 = UdpSocket.v4().setOption(StandardSocketOptions.SO_RCVBUF, 1 shl 20).bind(localV4())
        try {
            val payload = ByteArray(65_507) { (it % 253).toByte() }
            s1.sendTo(ByteBuffer.wrap(payload), s2.localAddress()) shouldBe payload.size
            s1.sendTo(directOf(payload), s2.localAddress()) shouldBe payload.size
            val bigHeap = ByteBuffer.allocate(100_000)
            awaitDatagram { s2.receiveFrom(bigHeap) } shouldBe s1.localAddress()
            bigHeap.writtenBytes() shouldBe payload
            val direct = ByteBuffer.allocateDirect(70_000)
            awaitDatagram { s2.receiveFrom(direct) }
            direct.writtenBytes() shouldBe payload
        } finally {
            closeAll(s1, s2)
        }
    }

    test("a datagram refused by its destination is a PortUnreachableException") {
        Poll.open().use { poll ->
            val events = Events.withCapacity(16)
            val closedPort = DatagramSocket(0, InetAddress.getByName("127.0.0.1")).use { it.localPort }
            UdpSocket.bind(localV4()).use { socket ->
                socket.connect(InetSocketAddress(InetAddress.getByName("127.0.0.1"), closedPort))
                poll.registry().register(socket, ID1, Interest.READABLE)
                socket.send(directOf(DATA1)) shouldBe DATA1.size
                awaitEvent(poll, events, ID1)
                shouldThrow<PortUnreachableException> { socket.receive(ByteBuffer.allocateDirect(20)) }
                    .message shouldContainErrno "ECONNREFUSED"
                socket.send(directOf(DATA1)) shouldBe DATA1.size
                awaitEvent(poll, events, ID1)
                socket.takeError().shouldBeInstanceOf<PortUnreachableException>()
                socket.takeError().shouldBeNull()
            }
        }
    }

    test("an IPv6 wildcard socket receives IPv4 datagrams, and a v6-only one does not") {
        UdpSocket.bind(InetSocketAddress(InetAddress.getByName("::"), 0)).use { dual ->
            UdpSocket.bind(localV4()).use { sender ->
                val target = InetSocketAddress(InetAddress.getByName("127.0.0.1"), dual.localAddress().port)
                sender.sendTo(directOf(DATA1), target) shouldBe DATA1.size
                val buffer = ByteBuffer.allocateDirect(20)
                awaitDatagram { dual.receiveFrom(buffer) } shouldBe sender.localAddress()
                // and it answers the IPv4 sender through its IPv4-mapped address
                dual.sendTo(directOf(DATA2), sender.localAddress()) shouldBe DATA2.size
                awaitDatagram { sender.receiveFrom(buffer.clear()) }.port shouldBe dual.localAddress().port
            }
        }
        UdpSocket.v6().setV6Only(true).bind(InetSocketAddress(InetAddress.getByName("::"), 0)).use { v6only ->
            DatagramSocket(0, InetAddress.getByName("127.0.0.1")).use { sender ->
                sender.send(DatagramPacket(DATA1, DATA1.size, InetAddress.getByName("127.0.0.1"), v6only.localAddress().port))
                Thread.sleep(100)
                v6only.receiveFrom(ByteBuffer.allocateDirect(20)).shouldBeNull()
            }
        }
    }

    test("with SO_REUSEPORT several sockets bind the same port; without it the bind fails") {
        val first = UdpSocket.v4().setOption(StandardSocketOptions.SO_REUSEPORT, true).bind(localV4())
        try {
            val address = first.localAddress()
            UdpSocket.forAddress(address).setOption(StandardSocketOptions.SO_REUSEPORT, true).bind(address).use { second ->
                second.localAddress() shouldBe address
                second.getOption(StandardSocketOptions.SO_REUSEPORT) shouldBe true
            }
            shouldThrow<BindException> { UdpSocket.bind(address) }.message shouldContainErrno "EADDRINUSE"
        } finally {
            first.close()
        }
    }

    test("the builder's options apply before bind") {
        UdpSocket.v4().use { builder ->
            builder.setOption(StandardSocketOptions.SO_RCVBUF, 256 * 1024)
            // Linux doubles the value for its own bookkeeping.
            (builder.getOption(StandardSocketOptions.SO_RCVBUF) >= 256 * 1024) shouldBe true
            val socket = builder.bind(localV4())
            socket.use { (it.getOption(StandardSocketOptions.SO_RCVBUF) >= 256 * 1024) shouldBe true }
            builder.isOpen shouldBe false
            shouldThrow<IllegalStateException> { builder.bind(localV4()) }
        }
    }

    test("multicast on the loopback interface: join, receive a looped-back datagram, leave").config(
        enabledOrReasonIf = Emulation.unlessQemuUser(
            "it reads struct ip_mreqn with an 8-byte imr_ifindex on 64-bit guests (the kernel's is a 4-byte int), " +
                "so the join loses its interface and fails with ENODEV",
        ),
    ) {
        val lo = NetworkInterface.getByInetAddress(InetAddress.getByName("127.0.0.1"))
        val group = InetAddress.getByName("239.255.77.77")
        val receiver = UdpSocket.v4().setOption(StandardSocketOptions.SO_REUSEADDR, true)
            .bind(InetSocketAddress(InetAddress.getByName("0.0.0.0"), 0))
        val sender = UdpSocket.bind(localV4())
        try {
            receiver.joinMulticast(group, lo)
            sender.setOption(StandardSocketOptions.IP_MULTICAST_IF, lo)
            sender.getOption(StandardSocketOptions.IP_MULTICAST_IF) shouldBe lo
            sender.setMulticastLoopV4(true)
            sender.setMulticastTtlV4(0) // never leaves the host
            sender.sendTo(directOf(DATA1), InetSocketAddress(group, receiver.localAddress().port)) shouldBe DATA1.size
            val buffer = ByteBuffer.allocateDirect(20)
            awaitDatagram { receiver.receiveFrom(buffer) }.port shouldBe sender.localAddress().port
            buffer.writtenBytes() shouldBe DATA1
            receiver.leaveMulticast(group, lo)
            shouldThrow<SocketException> { receiver.leaveMulticast(group, lo) } // no longer a member
            shouldThrow<IllegalArgumentException> { receiver.joinMulticast(InetAddress.getByName("127.0.0.1"), lo) }
            shouldThrow<IllegalArgumentException> { receiver.joinMulticast(InetAddress.getByName("ff02::1"), lo) }
        } finally {
            closeAll(receiver, sender)
        }
    }
})
