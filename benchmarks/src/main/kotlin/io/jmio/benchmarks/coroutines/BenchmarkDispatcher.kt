package io.jmio.benchmarks.coroutines

import io.jmio.EventLoop
import io.jmio.coroutines.EventLoopDispatcher
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.DelicateCoroutinesApi
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.ExecutorCoroutineDispatcher
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.newSingleThreadContext

/**
 * A single-threaded dispatcher for a benchmark, by name, with what it takes to stop it. "jmio" is an
 * [EventLoopDispatcher] whose loop runs on its own thread, as in a server.
 */
public class BenchmarkDispatcher private constructor(
    public val dispatcher: CoroutineDispatcher,
    private val stop: () -> Unit,
) : AutoCloseable {
    override fun close(): Unit = stop()

    public companion object {
        /** The names [open] takes. */
        public const val JMIO: String = "jmio"
        public const val DEFAULT_LIMITED: String = "default-limited-1"
        public const val SINGLE_THREAD_CONTEXT: String = "single-thread-context"

        @OptIn(ExperimentalCoroutinesApi::class, DelicateCoroutinesApi::class)
        @JvmStatic
        public fun open(name: String): BenchmarkDispatcher = when (name) {
            JMIO -> {
                val loop = EventLoop.open()
                val thread = Thread({ loop.run() }, "jmio-benchmark-loop").apply { isDaemon = true; start() }
                BenchmarkDispatcher(EventLoopDispatcher(loop)) {
                    loop.shutdown()
                    thread.join(TimeUnit.SECONDS.toMillis(10))
                    loop.close()
                }
            }
            DEFAULT_LIMITED -> BenchmarkDispatcher(Dispatchers.Default.limitedParallelism(1)) {}
            SINGLE_THREAD_CONTEXT -> {
                val context: ExecutorCoroutineDispatcher = newSingleThreadContext("benchmark-single-thread")
                BenchmarkDispatcher(context) { context.close() }
            }
            else -> throw IllegalArgumentException("unknown dispatcher '$name'; known: $JMIO, $DEFAULT_LIMITED, $SINGLE_THREAD_CONTEXT")
        }
    }
}
