package io.jmio.loop

import io.jmio.EventLoop
import java.util.concurrent.CompletableFuture
import java.util.concurrent.ExecutionException
import java.util.concurrent.TimeUnit
import kotlin.concurrent.thread

/** Runs [EventLoop.run] on a new thread; join it to see the loop end. */
fun EventLoop.runInThread(name: String = "jmio-test-loop"): Thread = thread(name = name, isDaemon = true) { run() }

/** Opens a loop and runs it on its own thread for [body]; then shuts it down and checks run() returned. */
fun <T> withRunningLoop(options: EventLoop.Options = EventLoop.Options(), body: (EventLoop) -> T): T =
    EventLoop.open(options).use { loop ->
        val runner = loop.runInThread()
        try {
            body(loop)
        } finally {
            loop.shutdown()
            runner.join(10_000)
            check(!runner.isAlive) { "run() did not return after shutdown" }
        }
    }

/** Runs [block] on the loop's thread and returns its result; fails after 10 s. */
fun <T> EventLoop.call(block: () -> T): T {
    val result = CompletableFuture<T>()
    execute {
        try {
            result.complete(block())
        } catch (failure: Throwable) {
            result.completeExceptionally(failure)
        }
    }
    try {
        return result.get(10, TimeUnit.SECONDS)
    } catch (e: ExecutionException) {
        throw e.cause!!
    }
}

/** Runs [block] as a task of one turn driven from this thread (for loops nobody else runs). */
fun <T> EventLoop.callInTurn(block: () -> T): T {
    var result: Result<T>? = null
    execute { result = runCatching(block) }
    runOnce(0)
    return result!!.getOrThrow()
}

/** Waits until [condition] holds, checking every millisecond; fails with [what] after [seconds]. */
fun awaitUntil(what: String, seconds: Long = 20, condition: () -> Boolean) {
    val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds)
    while (!condition()) {
        check(System.nanoTime() - deadline < 0) { "timed out waiting until $what" }
        Thread.sleep(1)
    }
}
