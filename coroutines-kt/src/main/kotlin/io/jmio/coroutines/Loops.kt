package io.jmio.coroutines

import io.jmio.EventLoop
import kotlin.concurrent.thread
import kotlin.coroutines.ContinuationInterceptor
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.coroutineContext

/**
 * The dispatcher whose loop new sockets register with: the caller's own if it runs on an
 * [EventLoopDispatcher], otherwise a shared default loop on a daemon thread, so sockets also work
 * from `Dispatchers.Default` or `runBlocking` (their waiters are resumed through the caller's
 * dispatcher either way).
 */
internal suspend fun currentDispatcher(): EventLoopDispatcher = coroutineContext.jmioDispatcher()

internal fun CoroutineContext.jmioDispatcher(): EventLoopDispatcher =
    this[ContinuationInterceptor] as? EventLoopDispatcher ?: DefaultLoop.dispatcher

/** The loop sockets use when their creator runs on no jmio dispatcher; started on first use. */
internal object DefaultLoop {
    val dispatcher: EventLoopDispatcher by lazy {
        val loop = EventLoop.open()
        thread(name = "jmio-default-loop", isDaemon = true) { loop.run() }
        EventLoopDispatcher(loop)
    }
}
