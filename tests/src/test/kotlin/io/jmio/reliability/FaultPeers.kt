package io.jmio.reliability

import io.jmio.coroutines.EventLoopGroup
import io.jmio.coroutines.serveTcp
import io.jmio.examples.core.CoreEchoServer
import kotlinx.coroutines.CoroutineExceptionHandler
import kotlinx.coroutines.runBlocking
import java.io.File
import java.net.InetAddress
import java.net.InetSocketAddress
import java.net.Socket
import java.nio.ByteBuffer
import kotlin.concurrent.thread
import kotlin.system.exitProcess

/**
 * Child-process peers for [FaultTest]. `FaultPeers peer <port>`: connects, sends forever, and is
 * killed by the test. `FaultPeers echo coroutine|core`: an echo server (serveTcp or
 * CoreEchoServer) that prints `port=<n>` and `fds=<open fds>`, reports accept errors as
 * `accept error: ...`, and exits when its stdin closes; run under `ulimit -n` to exhaust fds.
 */
object FaultPeers {
    @JvmStatic
    fun main(args: Array<String>) {
        when (args[0]) {
            "peer" -> Socket(InetAddress.getByName("127.0.0.1"), args[1].toInt()).use { socket ->
                println("connected")
                val out = socket.getOutputStream()
                val chunk = ByteArray(1024) { it.toByte() }
                while (true) {
                    out.write(chunk)
                    Thread.sleep(1)
                }
            }
            "echo" -> echo(args[1])
        }
    }

    private fun echo(kind: String) {
        val address = InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0)
        // The test closes our stdin to stop us.
        thread(isDaemon = true) {
            while (System.`in`.read() >= 0) continue
            exitProcess(0)
        }
        fun started(port: Int) {
            println("port=$port")
            println("fds=" + File("/proc/self/fd").list()!!.size)
            System.out.flush()
        }
        if (kind == "core") {
            CoreEchoServer(address).use { server ->
                started(server.localAddress().port)
                server.run()
            }
        } else {
            EventLoopGroup(1).use { group ->
                val report = CoroutineExceptionHandler { _, e -> println("accept error: $e"); System.out.flush() }
                runBlocking(report) {
                    val server = serveTcp(group, address) { conn ->
                        val buffer = ByteBuffer.allocateDirect(1024)
                        while (conn.read(buffer) >= 0) {
                            buffer.flip()
                            conn.writeFully(buffer)
                            buffer.clear()
                        }
                    }
                    started(server.localAddress.port)
                    server.job.join()
                    println("server ended: ${server.job}")
                }
            }
        }
    }
}
