package io.jmio.examples.proxy

import io.jmio.examples.LOOPBACK_ANY
import io.jmio.examples.awaitCondition
import io.jmio.examples.connect
import io.jmio.examples.echo.EchoServers
import io.jmio.examples.hostPort
import io.jmio.examples.http.CoroutineHttpServer
import io.jmio.examples.runClient
import io.jmio.examples.withServer
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.ints.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.net.InetAddress
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.net.Socket
import java.security.MessageDigest
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicLong
import kotlin.concurrent.thread
import kotlin.random.Random
import kotlin.time.Duration.Companion.seconds

/** A proxy whose log lines the test can read. */
private class LoggedProxy(upstream: InetSocketAddress, connectTimeoutMillis: Long = 5_000, zeroCopy: Boolean = true) {
    private val bytes = ByteArrayOutputStream()
    val proxy = TcpProxy(upstream, connectTimeoutMillis, zeroCopy, PrintStream(bytes, true, "UTF-8"))

    val log: String get() = synchronized(bytes) { bytes.toString("UTF-8") }

    fun awaitLog(text: String): String {
        awaitCondition(20.seconds, { "no '$text' in the proxy's log:\n$log" }) { text in log }
        return log
    }
}

/** A plain blocking server for one connection, for upstreams that misbehave on purpose; [result] is what [serve] returned. */
private class Upstream<T>(serve: (Socket) -> T) : AutoCloseable {
    private val server = ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))
    val address: InetSocketAddress = server.address
    private val result = CompletableFuture<T>()

    init {
        thread(name = "upstream", isDaemon = true) {
            try {
                server.accept().use { result.complete(serve(it)) }
            } catch (e: Throwable) {
                result.completeExceptionally(e)
            }
        }
    }

    fun result(): T = result.get(60, TimeUnit.SECONDS)

    override fun close() = server.close()
}

private val ServerSocket.address get() = InetSocketAddress(inetAddress, localPort)

class ProxyExampleTest : FunSpec({
    timeout = 300_000L
    blockingTest = true

    // The tests that move bytes run for both ways of moving them: kernel pipes (splice) and a buffer.
    for (forward in listOf("splice", "copy")) {
        val zeroCopy = forward == "splice"

        test("$forward: curl through the proxy reaches the http example; the log counts the bytes both ways") {
            withServer({ CoroutineHttpServer().start(LOOPBACK_ANY, 1) }) { http ->
                val logged = LoggedProxy(http.localAddress(), zeroCopy = zeroCopy)
                withServer({ logged.proxy.start(LOOPBACK_ANY, 1) }) { proxy ->
                    val reply = runClient(
                        "curl", "-s", "--max-time", "20", "-w", "\n%{size_request} %{size_header} %{size_download}",
                        "http://${proxy.localAddress().hostPort}/",
                    )
                    val (body, sizes) = reply.stdout.split("\n")
                    body shouldBe "Hello, World!"
                    val (request, header, download) = sizes.split(" ").map { it.toLong() }
                    val log = logged.awaitLog("bytes down")
                    log shouldContain "<-> ${http.localAddress().hostPort} closed"
                    log shouldContain "$request bytes up, ${header + download} bytes down"
                }
            }
        }

        test("$forward: half-close passes through: socat's end of input reaches the echo server, and the echo's end comes back") {
            withServer({ EchoServers.start("coroutines", LOOPBACK_ANY, 1) }) { echo ->
                withServer({ LoggedProxy(echo.localAddress(), zeroCopy = zeroCopy).proxy.start(LOOPBACK_ANY, 1) }) { proxy ->
                    val payload = Random(3).nextBytes(2 * 1024 * 1024)
                    val result = runClient("socat", "-t", "30", "-", "TCP:${proxy.localAddress().hostPort}", stdin = payload)
                    withClue(result.stderr) { result.exitCode shouldBe 0 }
                    result.stdoutBytes.contentEquals(payload) shouldBe true
                }
            }
        }

        test("$forward: an upstream that finishes sending first still gets what the client sends after") {
            Upstream { socket ->
                socket.getOutputStream().write("hello\n".toByteArray())
                socket.shutdownOutput()
                socket.getInputStream().readAllBytes().decodeToString()
            }.use { upstream ->
                withServer({ LoggedProxy(upstream.address, zeroCopy = zeroCopy).proxy.start(LOOPBACK_ANY, 1) }) { proxy ->
                    connect(proxy.localAddress()).use { client ->
                        client.getInputStream().readAllBytes().decodeToString() shouldBe "hello\n" // then end of stream
                        client.getOutputStream().write("still talking".toByteArray())
                        client.shutdownOutput()
                        upstream.result() shouldBe "still talking"
                    }
                }
            }
        }

        test("$forward: a slow upstream holds the client back: the proxy's memory does not grow with the transfer") {
            val release = CountDownLatch(1)
            val upstream = Upstream { socket ->
                release.await()
                val digest = MessageDigest.getInstance("SHA-256")
                val buffer = ByteArray(64 * 1024)
                var received = 0L
                while (true) {
                    val n = socket.getInputStream().read(buffer)
                    if (n < 0) break
                    digest.update(buffer, 0, n)
                    received += n
                }
                received to digest.digest()
            }
            upstream.use {
                withServer({ LoggedProxy(upstream.address, zeroCopy = zeroCopy).proxy.start(LOOPBACK_ANY, 1) }) { proxy ->
                    connect(proxy.localAddress()).use { client ->
                        val total = 64 * 1024 * 1024
                        val payload = Random(9).nextBytes(1024 * 1024)
                        val written = AtomicLong()
                        val writer = thread(name = "proxy-client") {
                            repeat(total / payload.size) {
                                client.getOutputStream().write(payload)
                                written.addAndGet(payload.size.toLong())
                            }
                            client.shutdownOutput()
                        }
                        // Wait until the writer is stuck: nothing moves while the upstream does not read.
                        var last = -1L
                        awaitCondition(30.seconds, { "the client kept writing: ${written.get()} bytes" }) {
                            Thread.sleep(500)
                            val now = written.get()
                            (now == last).also { last = now }
                        }
                        // Only socket buffers (a few MiB each on loopback) and one 64 KiB pipe or buffer hold the rest.
                        written.get().toInt() shouldBeLessThan 40 * 1024 * 1024
                        release.countDown()
                        writer.join(60_000)
                        val (received, digest) = upstream.result()
                        received shouldBe total.toLong()
                        val expected = MessageDigest.getInstance("SHA-256").apply { repeat(total / payload.size) { update(payload) } }
                        digest.contentEquals(expected.digest()) shouldBe true
                    }
                }
            }
        }
    }

    test("an upstream that does not answer is given up after the connect timeout") {
        // A listener whose accept queue is full: the kernel drops further SYNs, so connects hang.
        ServerSocket(0, 1, InetAddress.getByName("127.0.0.1")).use { stuck ->
            val fillers = mutableListOf<Socket>()
            try {
                while (fillers.size < 16) {
                    val socket = Socket()
                    try {
                        socket.connect(stuck.address, 300)
                        fillers += socket
                    } catch (timedOut: java.net.SocketTimeoutException) {
                        socket.close()
                        break
                    }
                }
                val logged = LoggedProxy(stuck.address, connectTimeoutMillis = 500)
                withServer({ logged.proxy.start(LOOPBACK_ANY, 1) }) { proxy ->
                    connect(proxy.localAddress()).use { client ->
                        client.getInputStream().read() shouldBe -1
                    }
                    logged.awaitLog("did not answer within 500 ms")
                }
            } finally {
                fillers.forEach { it.close() }
            }
        }
    }

    test("a refused upstream closes the client and is logged") {
        val refused = ServerSocket(0, 1, InetAddress.getByName("127.0.0.1")).use { it.address }
        val logged = LoggedProxy(refused)
        withServer({ logged.proxy.start(LOOPBACK_ANY, 1) }) { proxy ->
            connect(proxy.localAddress()).use { client -> client.getInputStream().read() shouldBe -1 }
            logged.awaitLog("ECONNREFUSED")
        }
    }
})
