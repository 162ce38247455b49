// The README's first example, exactly as written there: a coroutine echo server on port 7000.
// Run: java -cp examples/target/jmio-examples.jar io.jmio.examples.readme.ReadmeEchoKt
package io.jmio.examples.readme

import io.jmio.coroutines.TcpListener
import io.jmio.coroutines.runEventLoop
import java.net.InetSocketAddress
import java.nio.ByteBuffer
import kotlinx.coroutines.launch

fun main() = runEventLoop {
    val server = TcpListener.bind(InetSocketAddress("127.0.0.1", 7000))
    while (true) {
        val conn = server.accept()
        launch { conn.use { c -> val buf = ByteBuffer.allocateDirect(16384); while (c.read(buf) >= 0) { buf.flip(); c.writeFully(buf); buf.clear() } } }
    }
}
