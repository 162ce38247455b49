package io.jmio.examples.udp

import io.jmio.examples.LOOPBACK_ANY
import io.jmio.examples.hostPort
import io.jmio.examples.runClient
import io.jmio.examples.withServer
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import java.net.DatagramPacket
import java.net.DatagramSocket
import java.net.InetAddress

class UdpEchoExampleTest : FunSpec({
    timeout = 120_000L
    blockingTest = true

    test("socat gets its datagram back") {
        withServer({ UdpEchoServer.start(LOOPBACK_ANY, 1) }) { server ->
            // UDP has no end: socat waits -t seconds for replies after its input ends.
            val result = runClient("socat", "-t", "3", "-", "UDP:${server.localAddress().hostPort}", stdin = "hello, udp\n".toByteArray())
            withClue(result.stderr) { result.exitCode shouldBe 0 }
            result.stdout shouldBe "hello, udp\n"
        }
    }

    test("each datagram goes back to its own sender, whole, from every loop") {
        withServer({ UdpEchoServer.start(LOOPBACK_ANY, 2) }) { server ->
            val senders = List(4) { DatagramSocket(0, InetAddress.getByName("127.0.0.1")).apply { soTimeout = 20_000 } }
            try {
                for ((i, socket) in senders.withIndex()) {
                    for (size in listOf(0, 1, 1_400, 60_000)) {
                        val payload = ByteArray(size) { (it * 7 + i).toByte() }
                        socket.send(DatagramPacket(payload, size, server.localAddress()))
                        val reply = DatagramPacket(ByteArray(65_536), 65_536)
                        socket.receive(reply)
                        reply.data.copyOf(reply.length) shouldBe payload
                    }
                }
            } finally {
                senders.forEach { it.close() }
            }
        }
    }
})
