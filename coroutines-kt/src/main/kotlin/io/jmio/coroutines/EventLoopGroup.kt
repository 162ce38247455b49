package io.jmio.coroutines

import io.jmio.EventLoop
import java.util.concurrent.atomic.AtomicInteger
import kotlin.concurrent.thread

/**
 * [size] event loops, each on its own thread, for servers that use more than one core.
 *
 * ```kotlin
 * EventLoopGroup(2).use { group ->
 *     runBlocking {
 *         val server = serveTcp(group, InetSocketAddress("127.0.0.1", 7000)) { conn -> echo(conn) }
 *         server.job.join()
 *     }
 * }
 * ```
 *
 * [next] hands out the loops' dispatchers round-robin. [close] shuts every loop down, waits for
 * their threads, and closes every socket still registered with them.
 */
public class EventLoopGroup(public val size: Int) : AutoCloseable {
    private val dispatchers: List<EventLoopDispatcher>
    private val threads: List<Thread>
    private val cursor = AtomicInteger()

    init {
        require(size >= 1) { "an EventLoopGroup needs at least one loop: $size" }
        val loops = ArrayList<EventLoop>(size)
        try {
            repeat(size) { loops.add(EventLoop.open()) }
        } catch (e: Throwable) {
            loops.forEach { it.close() }
            throw e
        }
        dispatchers = loops.map { EventLoopDispatcher(it) }
        threads = loops.mapIndexed { i, loop -> thread(name = "jmio-loop-$i") { loop.run() } }
    }

    /** The dispatcher of loop [index], for `launch(group[i]) { ... }`. */
    public operator fun get(index: Int): EventLoopDispatcher = dispatchers[index]

    /** The loops' dispatchers in turn. */
    public fun next(): EventLoopDispatcher = dispatchers[Math.floorMod(cursor.getAndIncrement(), size)]

    /** All of the loops' dispatchers. */
    public val all: List<EventLoopDispatcher> get() = dispatchers

    /** Shuts down every loop, joins their threads, and closes their sockets and loops. Idempotent. */
    override fun close() {
        dispatchers.forEach { it.loop.shutdown() }
        threads.forEach { if (it !== Thread.currentThread()) it.join() }
        dispatchers.forEach {
            it.closeSockets()
            it.loop.close()
        }
    }
}
