package io.jmio.examples

import io.jmio.core.Allocations
import io.jmio.examples.core.CoreEchoServer
import io.jmio.testing.Worker
import io.jmio.testing.listeningFd
import io.jmio.testing.send
import io.jmio.testing.setOobInline
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.doubles.shouldBeLessThan
import io.kotest.matchers.nulls.shouldNotBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldStartWith
import java.io.File
import java.net.ConnectException
import java.net.InetAddress
import java.net.InetSocketAddress
import java.net.Socket
import java.util.concurrent.TimeUnit
import kotlin.random.Random

private val LOOPBACK: InetAddress = InetAddress.getByName("127.0.0.1")

/** Runs a server on its own thread for the duration of [body]; then stops it and checks run() returned. */
private fun withServer(body: (server: CoreEchoServer, serverThread: Thread) -> Unit) {
    val server = CoreEchoServer(InetSocketAddress(LOOPBACK, 0))
    val worker = Worker("core-echo") { server.run() }
    try {
        body(server, worker.thread)
    } finally {
        server.stop()
        worker.join()
    }
}

private fun connect(server: CoreEchoServer): Socket =
    Socket(LOOPBACK, server.localAddress().port).apply { soTimeout = 10_000; tcpNoDelay = true }

class CoreEchoServerTest : FunSpec({
    timeout = 120_000L

    test("echoes every byte back to several clients at once") {
        withServer { server, _ ->
            val clients = List(8) { connect(server) }
            try {
                repeat(20) { round ->
                    for ((i, client) in clients.withIndex()) {
                        val message = Random(round * 31 + i).nextBytes(1 + (round * 97 + i) % 3000)
                        client.getOutputStream().write(message)
                        client.getInputStream().readNBytes(message.size) shouldBe message
                    }
                }
            } finally {
                clients.forEach { it.close() }
            }
        }
    }

    test("a client that sends 32 MiB before reading gets it all back in order (partial writes, backpressure)") {
        withServer { server, _ ->
            connect(server).use { client ->
                val payload = Random(7).nextBytes(32 * 1024 * 1024)
                val writer = Worker("echo-writer") {
                    client.getOutputStream().write(payload)
                    client.shutdownOutput()
                }
                Thread.sleep(200) // let the server's send buffer fill while nobody reads
                val echoed = client.getInputStream().readAllBytes()
                writer.join()
                echoed.size shouldBe payload.size
                echoed.contentEquals(payload) shouldBe true
            }
        }
    }

    test("a client that half-closes gets its echo and then end of stream") {
        withServer { server, _ ->
            connect(server).use { client ->
                client.getOutputStream().write("last words".toByteArray())
                client.shutdownOutput()
                String(client.getInputStream().readAllBytes()) shouldBe "last words"
            }
        }
    }

    for (inline in listOf(false, true)) {
        test("urgent data queued before the server polls (${if (inline) "SO_OOBINLINE" else "out of band"}): nothing behind the mark is held back") {
            // Deterministic: the whole pattern is queued before run() polls, so it comes as one
            // event, and the read stops short at the urgent mark with CCCC behind it.
            val server = CoreEchoServer(InetSocketAddress(LOOPBACK, 0))
            if (inline) setOobInline(listeningFd(server.localAddress().port))
            var worker: Worker? = null
            try {
                connect(server).use { client ->
                    client.send("AAAA", urgent = 'B', then = "CCCC")
                    Thread.sleep(100)
                    worker = Worker("core-echo") { server.run() }
                    client.expectEcho(if (inline) "AAAABCCCC" else "AAAACCCC")
                }
            } finally {
                server.stop()
                worker?.join() ?: server.close()
            }
        }
    }

    test("stop() ends run(), closes the connections and releases the port") {
        var port = 0
        var client: Socket? = null
        withServer { server, _ ->
            port = server.localAddress().port
            client = connect(server).also { it.getOutputStream().write(1); it.getInputStream().read() shouldBe 1 }
        }
        client!!.use { it.getInputStream().read() shouldBe -1 }
        val refused = runCatching { Socket(LOOPBACK, port).close() }.exceptionOrNull()
        (refused is ConnectException) shouldBe true
    }

    test("serving requests allocates nothing on the server thread") {
        withServer { server, serverThread ->
            connect(server).use { client ->
                val message = ByteArray(64) { it.toByte() }
                val reply = ByteArray(64)
                val output = client.getOutputStream()
                val input = client.getInputStream()
                fun roundTrips(count: Int) = repeat(count) {
                    output.write(message)
                    var read = 0
                    while (read < reply.size) {
                        val n = input.read(reply, read, reply.size - read)
                        check(n > 0) { "server closed the connection" }
                        read += n
                    }
                }
                roundTrips(20_000) // warm-up: let the JIT compile the server loop
                val perRoundTrip = Allocations.steadyStatePerOperation(20_000, serverThread) { roundTrips(20_000) }
                perRoundTrip shouldBeLessThan 1.0
            }
        }
    }

    test("main prints 'listening on HOST:PORT' to stderr and serves; bad options exit with status 2") {
        val java = File(System.getProperty("java.home"), "bin/java").path
        val classpath = System.getProperty("java.class.path")
        val process = ProcessBuilder(java, "-cp", classpath, CoreEchoServer::class.java.name, "--host", "127.0.0.1", "--port", "0")
            .start()
        try {
            // JDK 24+ may first warn about JNA's native access; the announcement follows.
            val stderr = process.errorStream.bufferedReader()
            val line = generateSequence { stderr.readLine() }.take(20).firstOrNull { it.startsWith("listening on") }
            line.shouldNotBeNull() shouldStartWith "listening on 127.0.0.1:"
            val port = line.substringAfterLast(':').toInt()
            Socket(LOOPBACK, port).use { socket ->
                socket.soTimeout = 10_000
                socket.getOutputStream().write("ping".toByteArray())
                String(socket.getInputStream().readNBytes(4)) shouldBe "ping"
            }
        } finally {
            process.destroy()
            process.waitFor(10, TimeUnit.SECONDS)
        }
        val bad = ProcessBuilder(java, "-cp", classpath, CoreEchoServer::class.java.name, "--port", "http").start()
        try {
            bad.waitFor(30, TimeUnit.SECONDS) shouldBe true
            bad.exitValue() shouldBe 2
            bad.errorStream.bufferedReader().readText() shouldContain "usage"
        } finally {
            bad.destroyForcibly()
        }
    }
})
