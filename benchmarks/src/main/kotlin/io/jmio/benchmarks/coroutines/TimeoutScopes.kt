package io.jmio.benchmarks.coroutines

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.cancel
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout

/**
 * `withTimeout` around a call that does not suspend, [count] times in one coroutine on
 * [dispatcher]: what kotlinx's timeout scope costs by itself, on jmio's `Delay` or another's.
 */
public class TimeoutScopes(private val dispatcher: BenchmarkDispatcher) : AutoCloseable {
    private val scope = CoroutineScope(dispatcher.dispatcher + Job())
    @Volatile private var sink = 0

    public fun scopes(count: Int) {
        runBlocking {
            scope.launch {
                var sum = 0
                repeat(count) { i -> sum += withTimeout(10_000) { notSuspending(i) } }
                sink = sum
            }.join()
        }
    }

    private suspend fun notSuspending(i: Int): Int = i and 63

    override fun close() {
        scope.cancel()
    }
}
