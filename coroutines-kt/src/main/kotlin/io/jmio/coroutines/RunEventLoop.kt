package io.jmio.coroutines

import io.jmio.EventLoop
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.Job
import kotlinx.coroutines.async
import kotlinx.coroutines.cancel

/**
 * Runs [block] on a fresh jmio event loop driven by the calling thread, and returns its value once
 * it and all its children complete. Then closes the loop and every socket still registered with
 * it, so nothing leaks, even when [block] throws.
 *
 * ```kotlin
 * fun main() = runEventLoop {
 *     val server = TcpListener.bind(InetSocketAddress("127.0.0.1", 7000))
 *     while (true) {
 *         val conn = server.accept()
 *         launch { conn.use { c -> echo(c) } }
 *     }
 * }
 * ```
 *
 * kotlinx's `runBlocking` cannot be used for this: given a foreign dispatcher it parks the thread
 * instead of driving the dispatcher. Inside [block], `delay` and `withTimeout` use the loop's
 * timers, and sockets register with this loop.
 *
 * @throws Throwable whatever [block] (or a failed child) threw
 */
@OptIn(ExperimentalCoroutinesApi::class)
public fun <T> runEventLoop(block: suspend CoroutineScope.() -> T): T {
    val loop = EventLoop.open()
    val dispatcher = EventLoopDispatcher(loop)
    val root = Job()
    try {
        val result = CoroutineScope(dispatcher + root).async { block() }
        result.invokeOnCompletion { loop.shutdown() }
        loop.run()
        return result.getCompleted()
    } finally {
        root.cancel()
        dispatcher.closeSockets()
        loop.close()
    }
}
