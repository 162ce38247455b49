package io.jmio.examples

import io.jmio.examples.echo.EchoServers
import io.jmio.examples.http.CoreHttpServer
import io.jmio.examples.http.CoroutineHttpServer
import io.jmio.examples.kv.KvServer
import io.jmio.examples.server.RunningServer
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import java.lang.management.ManagementFactory

private val threadBean = ManagementFactory.getThreadMXBean() as com.sun.management.ThreadMXBean

/**
 * Bytes the server's loop thread allocates per request in the steady state: a blocking client
 * sends [request] and reads [replyLength] bytes, [rounds] times after twice as many to warm up.
 */
private fun allocatedPerRequest(start: () -> RunningServer, request: ByteArray, replyLength: Int, rounds: Int = 50_000): Double {
    var perRequest = Double.NaN
    val before = serverThreads()
    withServer(start) { server ->
        connect(server.localAddress()).use { client ->
            client.tcpNoDelay = true
            val loopThreads = serverThreads() - before
            check(loopThreads.size == 1) { "expected one loop thread, found ${loopThreads.map { it.name }}" }
            val loop = loopThreads.single()
            fun roundTrips(count: Int) = repeat(count) {
                client.getOutputStream().write(request)
                check(client.getInputStream().readNBytes(replyLength).size == replyLength) { "short reply" }
            }
            roundTrips(2 * rounds) // warm up: C2 compiles the path
            val start = threadBean.getThreadAllocatedBytes(loop.id)
            roundTrips(rounds)
            perRequest = (threadBean.getThreadAllocatedBytes(loop.id) - start).toDouble() / rounds
        }
    }
    return perRequest
}

/**
 * The core server: measured 0 B per request (JDK 17) but for the Date line's refresh once a
 * second. Any object made per request would be 16 B or more, which this bound catches.
 */
private const val CORE_BOUND = 8.0

/**
 * The coroutine servers: the examples' own code allocates nothing per request (the core server
 * and the sessions' unit tests show it), but jmio-coroutines' `read` returns its count boxed when
 * it completes without suspending, and C2 does not always remove that Integer: measured 0 to
 * 9.4 B per request, depending on what else the JVM has run. The bound still catches a buffer,
 * a string or a lambda made per request.
 */
private const val COROUTINE_BOUND = 24.0

class AllocationTest : FunSpec({
    timeout = 300_000L
    blockingTest = true

    val hello = "GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: test\r\n\r\n".toByteArray()
    // Status line 17, Server 14, Date 37, Content-Type 26, Content-Length 20, blank line 2, body 13.
    val helloReplyLength = 129

    test("the core http server allocates nothing per request") {
        val bytes = allocatedPerRequest({ CoreHttpServer.start(LOOPBACK_ANY, 1, 30_000) }, hello, helloReplyLength)
        withClue("$bytes bytes per request") { (bytes < CORE_BOUND) shouldBe true }
    }

    test("the coroutine http server allocates no object of its own per request") {
        val bytes = allocatedPerRequest({ CoroutineHttpServer().start(LOOPBACK_ANY, 1) }, hello, helloReplyLength)
        withClue("$bytes bytes per request") { (bytes < COROUTINE_BOUND) shouldBe true }
    }

    test("the kv server allocates no object of its own per GET") {
        val get = "*2\r\n\$3\r\nGET\r\n\$3\r\nkey\r\n".toByteArray()
        val bytes = allocatedPerRequest({
            KvServer().start(LOOPBACK_ANY, 1).also { server ->
                connect(server.localAddress()).use { c ->
                    c.getOutputStream().write("SET key bar\r\n".toByteArray())
                    c.getInputStream().readNBytes(5)
                }
            }
        }, get, "\$3\r\nbar\r\n".length)
        withClue("$bytes bytes per request") { (bytes < COROUTINE_BOUND) shouldBe true }
    }

    test("the coroutine echo server allocates no object of its own per round trip") {
        val bytes = allocatedPerRequest({ EchoServers.start("coroutines", LOOPBACK_ANY, 1) }, ByteArray(64) { 7 }, 64)
        withClue("$bytes bytes per round trip") { (bytes < COROUTINE_BOUND) shouldBe true }
    }
})
