package io.jmio.net

import io.jmio.Interest
import io.jmio.Poll
import io.jmio.testing.closeAll
import io.jmio.testing.localV4
import io.jmio.testing.localV6
import io.jmio.testing.shouldContainErrno
import io.jmio.testing.tcpPair
import io.jmio.testing.withTcpPair
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.net.InetAddress
import java.net.InetSocketAddress
import java.net.SocketException
import java.net.SocketOption
import java.net.StandardSocketOptions
import java.nio.ByteBuffer
import java.nio.channels.ClosedChannelException
import java.nio.channels.UnresolvedAddressException

private val UNRESOLVED: InetSocketAddress = InetSocketAddress.createUnresolved("example.invalid", 80)
private val V6_TARGET = InetSocketAddress(InetAddress.getByName("::1"), 9)

private object MadeUpOption : SocketOption<Int> {
    override fun name() = "MADE_UP"
    override fun type() = Int::class.javaObjectType
}

class BadInputTest : FunSpec({
    timeout = 60_000L

    test("every call on a closed stream throws ClosedChannelException; close is idempotent") {
        val (client, server) = tcpPair()
        server.close()
        client.close()
        client.close()
        client.isOpen shouldBe false
        val direct = ByteBuffer.allocateDirect(8)
        val calls: List<() -> Any?> = listOf(
            { client.read(direct) },
            { client.read(ByteArray(4), 0, 4) },
            { client.read(arrayOf(direct)) },
            { client.peek(direct) },
            { client.write(direct) },
            { client.write(ByteArray(4), 0, 4) },
            { client.write(arrayOf(direct)) },
            { client.shutdown(Shutdown.BOTH) },
            { client.noDelay() },
            { client.setNoDelay(true) },
            { client.ttl() },
            { client.setTtl(3) },
            { client.peerAddress() },
            { client.localAddress() },
            { client.takeError() },
            { client.setOption(StandardSocketOptions.SO_KEEPALIVE, true) },
            { client.getOption(StandardSocketOptions.SO_KEEPALIVE) },
            { Poll.open().use { it.registry().register(client, 1L, Interest.READABLE) } },
        )
        for (call in calls) shouldThrow<ClosedChannelException> { call() }
        client.toString() shouldContain "closed"
    }

    test("every call on a closed UDP socket throws ClosedChannelException") {
        val socket = UdpSocket.bind(localV4())
        val address = socket.localAddress()
        socket.close()
        socket.close()
        val direct = ByteBuffer.allocateDirect(8)
        val calls: List<() -> Any?> = listOf(
            { socket.sendTo(direct, address) },
            { socket.receiveFrom(direct) },
            { socket.peekFrom(direct) },
            { socket.send(direct) },
            { socket.receive(direct) },
            { socket.peek(direct) },
            { socket.connect(address) },
            { socket.broadcast() },
            { socket.joinMulticast(InetAddress.getByName("239.1.2.3"), null) },
            { socket.takeError() },
        )
        for (call in calls) shouldThrow<ClosedChannelException> { call() }
    }

    test("reads into read-only buffers are rejected with IllegalArgumentException") {
        val (client, server) = tcpPair()
        val udp = UdpSocket.bind(localV4())
        try {
            for (readOnly in listOf(ByteBuffer.allocate(8).asReadOnlyBuffer(), ByteBuffer.allocateDirect(8).asReadOnlyBuffer())) {
                shouldThrow<IllegalArgumentException> { client.read(readOnly) }
                shouldThrow<IllegalArgumentException> { client.peek(readOnly) }
                shouldThrow<IllegalArgumentException> { client.read(arrayOf(ByteBuffer.allocateDirect(4), readOnly)) }
                shouldThrow<IllegalArgumentException> { udp.receiveFrom(readOnly) }
                shouldThrow<IllegalArgumentException> { udp.receive(readOnly) }
                shouldThrow<IllegalArgumentException> { udp.peek(readOnly) }
            }
            // Writing from a read-only buffer is fine.
            client.write(ByteBuffer.wrap(byteArrayOf(1, 2)).asReadOnlyBuffer()) shouldBe 2
        } finally {
            closeAll(client, server, udp)
        }
    }

    test("bad offsets and lengths throw IndexOutOfBoundsException before any I/O") {
        withTcpPair { client, server ->
            val bytes = ByteArray(10)
            val bad = listOf(-1 to 1, 0 to -1, 0 to 11, 5 to 6, 10 to 1, Int.MAX_VALUE to 1, 1 to Int.MAX_VALUE)
            for ((offset, length) in bad) {
                shouldThrow<IndexOutOfBoundsException> { client.read(bytes, offset, length) }
                shouldThrow<IndexOutOfBoundsException> { client.write(bytes, offset, length) }
            }
            val buffers = arrayOf(ByteBuffer.allocateDirect(4), ByteBuffer.allocateDirect(4))
            for ((offset, length) in listOf(-1 to 1, 0 to 3, 2 to 1, 1 to -1, Int.MAX_VALUE to 2)) {
                shouldThrow<IndexOutOfBoundsException> { client.read(buffers, offset, length) }
                shouldThrow<IndexOutOfBoundsException> { client.write(buffers, offset, length) }
            }
            client.read(bytes, 10, 0) shouldBe 0 // an empty range at the end is fine
            client.write(bytes, 0, 0) shouldBe 0
        }
    }

    test("null buffers and addresses throw NullPointerException") {
        val (client, server) = tcpPair()
        val udp = UdpSocket.bind(localV4())
        try {
            shouldThrow<NullPointerException> { client.read(null as ByteArray?, 0, 0) }
            shouldThrow<NullPointerException> { client.read(arrayOf<ByteBuffer?>(null)) }
            shouldThrow<NullPointerException> { client.write(arrayOf<ByteBuffer?>(null)) }
            shouldThrow<NullPointerException> { client.shutdown(null) }
            shouldThrow<NullPointerException> { udp.sendTo(ByteBuffer.allocate(1), null) }
            shouldThrow<NullPointerException> { udp.sendTo(null, localV4()) }
            shouldThrow<NullPointerException> { TcpStream.connect(null) }
        } finally {
            closeAll(client, server, udp)
        }
    }

    test("unresolved addresses are rejected with NIO's UnresolvedAddressException naming them, never looked up") {
        shouldThrow<UnresolvedAddressException> { TcpStream.connect(UNRESOLVED) }.message shouldBe "unresolved address: example.invalid:80"
        shouldThrow<UnresolvedAddressException> { TcpListener.bind(UNRESOLVED) }
        shouldThrow<UnresolvedAddressException> { TcpListener.bind(UNRESOLVED, 16) }
        shouldThrow<UnresolvedAddressException> { TcpSocket.forAddress(UNRESOLVED) }
        shouldThrow<UnresolvedAddressException> { UdpSocket.bind(UNRESOLVED) }
        shouldThrow<UnresolvedAddressException> { UdpSocket.forAddress(UNRESOLVED) }
        TcpSocket.v4().use { socket ->
            shouldThrow<UnresolvedAddressException> { socket.bind(UNRESOLVED) }
            shouldThrow<UnresolvedAddressException> { socket.connect(UNRESOLVED) }
            socket.isOpen shouldBe true // a bad argument does not consume the socket
        }
        UdpSocket.v6().use { builder ->
            shouldThrow<UnresolvedAddressException> { builder.bind(UNRESOLVED) }
            builder.isOpen shouldBe true
        }
        UdpSocket.bind(localV4()).use { udp ->
            shouldThrow<UnresolvedAddressException> { udp.sendTo(ByteBuffer.allocate(1), UNRESOLVED) }
            shouldThrow<UnresolvedAddressException> { udp.connect(UNRESOLVED) }
        }
    }

    test("an IPv6 address on an IPv4 socket is rejected with IllegalArgumentException") {
        TcpSocket.v4().use { socket ->
            shouldThrow<IllegalArgumentException> { socket.bind(localV6()) }.message shouldContain "IPv6"
            shouldThrow<IllegalArgumentException> { socket.connect(V6_TARGET) }
            socket.isOpen shouldBe true
            shouldThrow<UnsupportedOperationException> { socket.setV6Only(true) }
        }
        UdpSocket.bind(localV4()).use { udp ->
            shouldThrow<IllegalArgumentException> { udp.sendTo(ByteBuffer.allocate(1), V6_TARGET) }
            shouldThrow<IllegalArgumentException> { udp.connect(V6_TARGET) }
            shouldThrow<IllegalArgumentException> { udp.joinMulticast(InetAddress.getByName("ff02::1"), null) }
        }
        UdpSocket.v4().use { shouldThrow<IllegalArgumentException> { it.bind(localV6()) } }
    }

    test("out-of-range option values and unknown options are rejected") {
        val (client, server) = tcpPair()
        val udp = UdpSocket.bind(localV4())
        try {
            for (ttl in listOf(0, -1, 256)) shouldThrow<IllegalArgumentException> { client.setTtl(ttl) }
            shouldThrow<IllegalArgumentException> { udp.setTtl(0) }
            shouldThrow<IllegalArgumentException> { udp.setMulticastTtlV4(-1) }
            shouldThrow<IllegalArgumentException> { udp.setMulticastTtlV4(256) }
            shouldThrow<IllegalArgumentException> { client.setOption(StandardSocketOptions.SO_RCVBUF, -1) }
            shouldThrow<UnsupportedOperationException> { client.setOption(MadeUpOption, 1) }
            shouldThrow<UnsupportedOperationException> { client.getOption(MadeUpOption) }
            shouldThrow<IllegalArgumentException> { udp.joinMulticast(InetAddress.getByName("127.0.0.1"), null) }
            shouldThrow<SocketException> { udp.setOption(StandardSocketOptions.TCP_NODELAY, true) }
        } finally {
            closeAll(client, server, udp)
        }
    }

    test("a builder that became a socket refuses further use, and closing it leaves the socket open") {
        val builder = TcpSocket.v4()
        val listener = builder.bind(localV4()).listen()
        listener.use {
            builder.isOpen shouldBe false
            shouldThrow<IllegalStateException> { builder.setOption(StandardSocketOptions.SO_REUSEADDR, true) }
            shouldThrow<IllegalStateException> { builder.listen() }
            shouldThrow<IllegalStateException> { builder.connect(it.localAddress()) }
            builder.close()
            it.isOpen shouldBe true
            it.localAddress().port shouldBe it.localAddress().port
        }
    }

    test("a failed bind leaves the builder open; a closed builder refuses use") {
        TcpListener.bind(localV4()).use { taken ->
            val builder = TcpSocket.v4()
            shouldThrow<java.net.BindException> { builder.bind(taken.localAddress()) }.message shouldContainErrno "EADDRINUSE"
            builder.isOpen shouldBe true
            builder.close()
            builder.isOpen shouldBe false
            shouldThrow<ClosedChannelException> { builder.bind(localV4()) }
        }
    }

    test("a datagram above UDP's limit is refused with EMSGSIZE, from heap and direct buffers alike") {
        UdpSocket.bind(localV4()).use { udp ->
            val target = udp.localAddress()
            for (buffer in listOf(ByteBuffer.allocate(70_000), ByteBuffer.allocateDirect(70_000))) {
                shouldThrow<SocketException> { udp.sendTo(buffer, target) }.message shouldContainErrno "EMSGSIZE"
                buffer.position() shouldBe 0
            }
        }
    }
})
