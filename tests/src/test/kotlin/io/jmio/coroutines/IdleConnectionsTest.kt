package io.jmio.coroutines

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.shouldBe
import java.io.File
import java.lang.management.ManagementFactory
import java.net.InetSocketAddress
import java.nio.ByteBuffer
import java.nio.channels.SocketChannel
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout

/** Opens N blocking connections to HOST:PORT, prints "connected", and holds them until stdin closes. */
object IdleClients {
    @JvmStatic
    fun main(args: Array<String>) {
        val address = InetSocketAddress(args[0], args[1].toInt())
        val channels = (1..args[2].toInt()).map { SocketChannel.open(address) }
        println("connected")
        System.out.flush()
        System.`in`.read() // until the parent closes our stdin
        channels.forEach { it.close() }
    }
}

class IdleConnectionsTest : FunSpec({
    timeout = 180_000

    fun heapUsedAfterGc(): Long {
        repeat(3) { System.gc(); Thread.sleep(50) }
        return ManagementFactory.getMemoryMXBean().heapMemoryUsage.used
    }

    test("10,000 idle connections parked in read cost under 1 KB of heap each") {
        val connections = System.getProperty("jmio.idle.connections", "10000").toInt()
        runEventLoop {
            val server = TcpListener.bind(LOOPBACK_ANY_PORT)
            val shared = ByteBuffer.allocateDirect(1) // the user's buffer, not counted: one for all
            val parked = java.util.concurrent.atomic.AtomicInteger()
            val before = heapUsedAfterGc()
            val acceptor = launch {
                repeat(connections) {
                    val conn = server.accept()
                    launch { conn.use { parked.incrementAndGet(); it.read(shared) } }
                }
            }
            val java = File(System.getProperty("java.home"), "bin/java").path
            val child = ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                IdleClients::class.java.name, "127.0.0.1", server.localAddress.port.toString(), connections.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start()
            try {
                withTimeout(120_000) {
                    while (parked.get() < connections) delay(10)
                }
                val perConnection = (heapUsedAfterGc() - before) / connections
                println("idle connection: $perConnection B of heap each")
                perConnection shouldBeLessThan 1024
            } finally {
                child.outputStream.close()
                child.waitFor(30, TimeUnit.SECONDS) shouldBe true
                child.destroyForcibly()
            }
            // The clients are gone: every parked read sees end of stream and its coroutine ends.
            acceptor.join()
            server.close()
        }
    }
})
