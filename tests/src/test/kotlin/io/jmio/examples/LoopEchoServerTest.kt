package io.jmio.examples

import io.jmio.examples.echo.LoopEchoServer
import io.jmio.loop.allocatedBytes
import io.jmio.loop.countLoopFds
import io.jmio.testing.Worker
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.booleans.shouldBeTrue
import io.kotest.matchers.doubles.shouldBeLessThan
import io.kotest.matchers.nulls.shouldNotBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldStartWith
import io.kotest.matchers.types.shouldBeInstanceOf
import java.io.File
import java.net.ConnectException
import java.net.InetAddress
import java.net.InetSocketAddress
import java.net.Socket
import java.util.concurrent.TimeUnit
import kotlin.random.Random

class LoopEchoServerTest : FunSpec({
    timeout = 120_000L
    val loopback = InetAddress.getByName("127.0.0.1")

    fun LoopEchoServer.connect(): Socket =
        Socket(loopback, localAddress().port).apply { soTimeout = 10_000; tcpNoDelay = true }

    test("echoes every byte back to several clients at once") {
        LoopEchoServer.start(InetSocketAddress(loopback, 0)).use { server ->
            val clients = (0 until 8).map { i ->
                Worker("echo-client-$i") {
                    server.connect().use { client ->
                        repeat(50) { round ->
                            val message = Random(round * 31 + i).nextBytes(1 + (round * 97 + i) % 5000)
                            client.getOutputStream().write(message)
                            check(client.getInputStream().readNBytes(message.size).contentEquals(message)) {
                                "client $i round $round got a different echo"
                            }
                        }
                    }
                }
            }
            clients.forEach { it.join() }
        }
    }

    test("a client that sends 32 MiB before reading gets it all back in order (backpressure)") {
        LoopEchoServer.start(InetSocketAddress(loopback, 0)).use { server ->
            server.connect().use { client ->
                val payload = Random(7).nextBytes(32 * 1024 * 1024)
                val writer = Worker("echo-writer") {
                    client.getOutputStream().write(payload)
                    client.shutdownOutput()
                }
                Thread.sleep(200) // let both directions fill up while nobody reads
                val echoed = client.getInputStream().readAllBytes()
                writer.join()
                echoed.size shouldBe payload.size
                echoed.contentEquals(payload).shouldBeTrue()
            }
        }
    }

    test("a client that half-closes gets its echo and then end of stream") {
        LoopEchoServer.start(InetSocketAddress(loopback, 0)).use { server ->
            server.connect().use { client ->
                client.getOutputStream().write("last words".toByteArray())
                client.shutdownOutput()
                String(client.getInputStream().readAllBytes()) shouldBe "last words"
            }
        }
    }

    test("close ends the loop, closes the connections, releases the port and leaves no fd") {
        val loopFds = countLoopFds()
        val fds = openFds()
        val server = LoopEchoServer.start(InetSocketAddress(loopback, 0))
        val port = server.localAddress().port
        val client = server.connect()
        client.getOutputStream().write(1)
        client.getInputStream().read() shouldBe 1
        server.close()
        client.use { it.getInputStream().read() shouldBe -1 }
        runCatching { Socket(loopback, port).close() }.exceptionOrNull().shouldBeInstanceOf<ConnectException>()
        countLoopFds() shouldBe loopFds
        // The server's kind of fd, by number, not a count: a pipe of an earlier test's child process
        // that the JDK closes meanwhile must neither fail this check nor hide a leak.
        serverFds(openFds() - fds.keys) shouldBe emptyMap()
    }

    test("serving requests allocates nothing on the loop thread") {
        LoopEchoServer.start(InetSocketAddress(loopback, 0)).use { server ->
            server.connect().use { client ->
                val message = ByteArray(64) { it.toByte() }
                val roundTrip = {
                    client.getOutputStream().write(message)
                    check(client.getInputStream().readNBytes(message.size).size == message.size) { "server closed" }
                }
                repeat(20_000) { roundTrip() } // warm-up: let the JIT compile the loop and the handler
                val loopThread = Thread.getAllStackTraces().keys.single { it.name == "jmio-loop-echo" }
                val before = allocatedBytes(loopThread)
                repeat(20_000) { roundTrip() }
                ((allocatedBytes(loopThread) - before) / 20_000.0) shouldBeLessThan 1.0
            }
        }
    }

    test("main prints 'listening on 127.0.0.1:PORT' to stderr and serves") {
        val java = File(System.getProperty("java.home"), "bin/java").path
        val process = ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), LoopEchoServer::class.java.name, "0")
            .start()
        try {
            // JDK 24+ may first warn about JNA's native access; the announcement follows.
            val stderr = process.errorStream.bufferedReader()
            val line = generateSequence { stderr.readLine() }.take(20).firstOrNull { it.startsWith("listening on") }
            line.shouldNotBeNull() shouldStartWith "listening on 127.0.0.1:"
            Socket(loopback, line.substringAfterLast(':').toInt()).use { socket ->
                socket.soTimeout = 10_000
                socket.getOutputStream().write("ping".toByteArray())
                String(socket.getInputStream().readNBytes(4)) shouldBe "ping"
            }
        } finally {
            process.destroy()
            process.waitFor(10, TimeUnit.SECONDS).shouldBeTrue()
        }
    }
})
