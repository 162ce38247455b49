package io.jmio.loop

import io.jmio.EventLoop
import io.jmio.Interest
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.booleans.shouldBeFalse
import io.kotest.matchers.booleans.shouldBeTrue
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.shouldBe
import java.nio.channels.ClosedChannelException
import java.util.concurrent.CountDownLatch
import java.util.concurrent.RejectedExecutionException
import java.util.concurrent.TimeUnit
import kotlin.time.Duration.Companion.seconds

class EventLoopLifecycleTest : FunSpec({
    test("shutdown from another thread ends run()").config(timeout = 30.seconds) {
        EventLoop.open().use { loop ->
            val runner = loop.runInThread()
            loop.call { loop.inEventLoop() }.shouldBeTrue()
            loop.shutdown()
            runner.join(10_000)
            runner.isAlive.shouldBeFalse()
            loop.awaitTermination(1, TimeUnit.SECONDS).shouldBeTrue()
            loop.isShutdown.shouldBeTrue()
        }
    }

    test("tasks accepted before shutdown run during it; later ones are rejected").config(timeout = 30.seconds) {
        EventLoop.open().use { loop ->
            val order = mutableListOf<String>()
            loop.execute { order += "queued" }
            loop.shutdown()
            shouldThrow<RejectedExecutionException> { loop.execute { order += "late" } }
            shouldThrow<RejectedExecutionException> { loop.schedule({}, 1, TimeUnit.SECONDS) }
            TestEventFd().use { fd ->
                shouldThrow<RejectedExecutionException> { loop.register(fd.source, Interest.READABLE) { _, _ -> } }
            }
            loop.runOnce(0).shouldBeFalse()
            order shouldContainExactly listOf("queued")
            loop.isTerminated.shouldBeTrue()
        }
    }

    test("no fd is left after close").config(timeout = 30.seconds) {
        val before = countLoopFds()
        val loop = EventLoop.open()
        countLoopFds() shouldBe before + 2 // the epoll instance and the waker's eventfd
        val runner = loop.runInThread()
        loop.schedule({}, 1, TimeUnit.HOURS)
        loop.close()
        runner.join(10_000)
        runner.isAlive.shouldBeFalse()
        countLoopFds() shouldBe before
        loop.close() // idempotent
        countLoopFds() shouldBe before
    }

    test("close without anyone running the loop runs the queued tasks on the closing thread").config(timeout = 30.seconds) {
        val loop = EventLoop.open()
        var ranOnLoop = false
        loop.execute { ranOnLoop = loop.inEventLoop() }
        loop.close()
        ranOnLoop.shouldBeTrue()
        loop.isTerminated.shouldBeTrue()
    }

    test("close from a handler releases the loop when the turn ends").config(timeout = 30.seconds) {
        val before = countLoopFds()
        TestEventFd().use { fd ->
            val loop = EventLoop.open()
            val registration = loop.register(fd.source, Interest.READABLE) { _, _ -> loop.close() }
            val runner = loop.runInThread()
            fd.signal()
            runner.join(10_000)
            runner.isAlive.shouldBeFalse()
            registration.isRegistered().shouldBeFalse()
            countLoopFds() shouldBe before + 1 // only the test's own eventfd
            shouldThrow<ClosedChannelException> { loop.registry().register(fd.source, 1, Interest.READABLE) }
        }
    }

    test("close deregisters sources so that they can be registered elsewhere").config(timeout = 30.seconds) {
        TestEventFd().use { fd ->
            val first = EventLoop.open()
            val registration = first.register(fd.source, Interest.READABLE) { _, _ -> }
            first.close()
            registration.isRegistered().shouldBeFalse()
            EventLoop.open().use { second ->
                var called = false
                second.register(fd.source, Interest.READABLE) { _, _ -> called = true }
                fd.signal()
                second.runOnce(10_000)
                called.shouldBeTrue()
            }
        }
    }

    test("one thread at a time runs the loop, and never from inside it").config(timeout = 30.seconds) {
        EventLoop.open().use { loop ->
            val runner = loop.runInThread()
            loop.call { loop.inEventLoop() }.shouldBeTrue()
            shouldThrow<IllegalStateException> { loop.runOnce(0) }
            shouldThrow<IllegalStateException> { loop.call { loop.runOnce(0) } }
            loop.shutdown()
            runner.join(10_000)
            // Another thread may drive it once the first has left.
            loop.runOnce(0).shouldBeFalse()
        }
    }

    test("runOnce can embed the loop and hand it between threads").config(timeout = 30.seconds) {
        EventLoop.open().use { loop ->
            val threads = mutableListOf<Thread>()
            loop.execute { threads += Thread.currentThread() }
            loop.runOnce(0).shouldBeTrue()
            val other = Thread {
                loop.execute { threads += Thread.currentThread() }
                loop.runOnce(0)
            }
            other.start()
            other.join(10_000)
            threads shouldContainExactly listOf(Thread.currentThread(), other)
        }
    }

    test("shutdown wakes a loop that sleeps in epoll_wait").config(timeout = 30.seconds) {
        EventLoop.open().use { loop ->
            val started = CountDownLatch(1)
            loop.execute { started.countDown() }
            val runner = loop.runInThread()
            started.await(10, TimeUnit.SECONDS).shouldBeTrue()
            Thread.sleep(20)
            loop.shutdown()
            runner.join(10_000)
            runner.isAlive.shouldBeFalse()
        }
    }
})
