package io.jmio.net

import io.jmio.Events
import io.jmio.Interest
import io.jmio.Poll
import io.jmio.core.Allocations
import io.jmio.testing.closeAll
import io.jmio.testing.tcpPair
import io.jmio.testing.withUdpSockets
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.doubles.shouldBeLessThan
import java.nio.ByteBuffer

private const val CLIENT = 1L
private const val SERVER = 2L
private const val MESSAGE = 64
private const val ROUND_TRIPS = 20_000

/**
 * One thread drives both ends of a loopback connection through one Poll: the client writes a
 * message, the server drains and echoes it, the client drains the echo. Everything is edge-triggered
 * and drained to would-block, as a real event loop does.
 */
private class EchoLoop(private val poll: Poll, private val client: TcpStream, private val server: TcpStream) {
    private val events = Events.withCapacity(16)
    private val request = ByteBuffer.allocateDirect(MESSAGE)
    private val serverBuffer = ByteBuffer.allocateDirect(64 * 1024)
    private val clientBuffer = ByteBuffer.allocateDirect(64 * 1024)

    init {
        for (i in 0 until MESSAGE) request.put(i, i.toByte())
        poll.registry().register(client, CLIENT, Interest.READABLE)
        poll.registry().register(server, SERVER, Interest.READABLE)
    }

    fun roundTrip() {
        request.clear()
        while (request.hasRemaining()) {
            check(client.write(request) > 0) { "a 64-byte write would block" }
        }
        var echoed = 0
        var polls = 0
        while (echoed < MESSAGE) {
            check(++polls < 1_000) { "echo stalled" }
            poll.poll(events, 1_000L)
            for (event in events) {
                if (event.token() == SERVER) echoAll() else echoed += drainClient()
            }
        }
        check(echoed == MESSAGE) { "echoed $echoed bytes" }
    }

    private fun echoAll() {
        while (true) {
            serverBuffer.clear()
            val n = server.read(serverBuffer)
            if (n <= 0) {
                check(n == 0) { "server saw end of stream" }
                return
            }
            serverBuffer.flip()
            while (serverBuffer.hasRemaining()) {
                check(server.write(serverBuffer) > 0) { "echo write would block" }
            }
        }
    }

    private fun drainClient(): Int {
        var total = 0
        while (true) {
            clientBuffer.clear()
            val n = client.read(clientBuffer)
            if (n <= 0) {
                check(n == 0) { "client saw end of stream" }
                return total
            }
            total += n
        }
    }
}

class ZeroAllocationTest : FunSpec({
    timeout = 120_000L

    test("a steady-state echo over Poll and TcpStream with direct buffers allocates nothing") {
        Poll.open().use { poll ->
            val (client, server) = tcpPair()
            try {
                client.setNoDelay(true)
                server.setNoDelay(true)
                val loop = EchoLoop(poll, client, server)
                repeat(ROUND_TRIPS) { loop.roundTrip() } // warm-up: let the JIT compile the loop
                // ThreadMXBean.getThreadAllocatedBytes for this thread, before and after
                val perRoundTrip = Allocations.steadyStatePerOperation(ROUND_TRIPS) { repeat(ROUND_TRIPS) { loop.roundTrip() } }

                perRoundTrip shouldBeLessThan 1.0
            } finally {
                closeAll(client, server)
            }
        }
    }

    test("connected UDP send and receive with direct buffers allocate nothing") {
        withUdpSockets(2) { poll, events, (a, b) ->
            a.connect(b.localAddress())
            b.connect(a.localAddress())
            poll.registry().register(b, SERVER, Interest.READABLE)
            poll.registry().register(a, CLIENT, Interest.READABLE)
            val datagram = ByteBuffer.allocateDirect(MESSAGE)
            val received = ByteBuffer.allocateDirect(2048)
            fun hop(from: UdpSocket, to: UdpSocket) {
                datagram.clear()
                check(from.send(datagram) == MESSAGE) { "send would block" }
                var polls = 0
                while (true) {
                    check(++polls < 1_000) { "datagram lost" }
                    poll.poll(events, 1_000L)
                    received.clear()
                    if (to.receive(received) == MESSAGE) break
                }
                check(to.receive(received.clear()) == -1) { "one datagram, one receive" }
            }
            fun pingPong() {
                hop(a, b)
                hop(b, a)
            }
            repeat(ROUND_TRIPS) { pingPong() }
            Allocations.steadyStatePerOperation(ROUND_TRIPS) { repeat(ROUND_TRIPS) { pingPong() } } shouldBeLessThan 1.0
        }
    }
})
