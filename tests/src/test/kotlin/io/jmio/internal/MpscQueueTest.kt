package io.jmio.internal

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.booleans.shouldBeFalse
import io.kotest.matchers.booleans.shouldBeTrue
import io.kotest.matchers.nulls.shouldBeNull
import io.kotest.matchers.shouldBe
import java.util.concurrent.CountDownLatch
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicLong
import kotlin.concurrent.thread
import kotlin.time.Duration.Companion.seconds

class MpscQueueTest : FunSpec({
    test("one producer's items come out in order across chunk boundaries") {
        val queue = MpscQueue<Int>()
        queue.isEmpty().shouldBeTrue()
        repeat(5_000) { queue.offer(it).shouldBeTrue() }
        queue.isEmpty().shouldBeFalse()
        for (i in 0 until 5_000) queue.take() shouldBe i
        queue.take().shouldBeNull()
        queue.isEmpty().shouldBeTrue()
        queue.offer(-1)
        queue.take() shouldBe -1
    }

    test("many producers: every item arrives exactly once, each producer's in order").config(timeout = 60.seconds) {
        val queue = MpscQueue<Long>()
        val producers = 4
        val perProducer = 200_000L
        val go = CountDownLatch(1)
        val threads = (0 until producers).map { p ->
            thread {
                go.await()
                for (i in 0 until perProducer) queue.offer(p * perProducer + i)
            }
        }
        go.countDown()
        val next = LongArray(producers) { it * perProducer }
        var received = 0L
        val deadline = System.nanoTime() + 50_000_000_000L
        while (received < producers * perProducer) {
            check(System.nanoTime() < deadline) { "only $received items arrived" }
            val item = queue.take() ?: continue
            val p = (item / perProducer).toInt()
            item shouldBe next[p]
            next[p]++
            received++
        }
        threads.forEach { it.join() }
        queue.take().shouldBeNull()
    }

    test("offers racing close are either taken by the consumer or refused").config(timeout = 60.seconds) {
        repeat(20) {
            val queue = MpscQueue<Long>()
            val accepted = AtomicLong()
            val stop = AtomicBoolean()
            val threads = (0 until 3).map {
                thread {
                    while (!stop.get()) {
                        if (queue.offer(1L)) accepted.incrementAndGet() else stop.set(true)
                    }
                }
            }
            var taken = 0L
            repeat(5_000) { if (queue.take() != null) taken++ }
            queue.close()
            queue.offer(2L).shouldBeFalse()
            threads.forEach { it.join() }
            while (queue.pollClosed() != null) taken++
            taken shouldBe accepted.get()
        }
    }

    test("drain stops at its limit, and a failing sink leaves the cursor after the failed item") {
        val queue = MpscQueue<Int>()
        repeat(10) { queue.offer(it) }
        val seen = mutableListOf<Int>()
        queue.drain({ seen += it }, 3) shouldBe 3
        shouldThrow<IllegalStateException> { queue.drain({ if (it == 4) error("sink failed") else seen += it }, 100) }
        queue.drain({ seen += it }, 100) shouldBe 5
        seen shouldBe listOf(0, 1, 2, 3, 5, 6, 7, 8, 9)
    }

    test("pollClosed needs close first") {
        shouldThrow<IllegalStateException> { MpscQueue<Int>().pollClosed() }
    }
})

/** One item, or null: drain with a limit of one. */
private fun <E> MpscQueue<E>.take(): E? {
    var item: E? = null
    drain({ item = it }, 1)
    return item
}
