package io.jmio.loop

import io.jmio.EventLoop
import io.jmio.Interest
import io.jmio.Registration
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.booleans.shouldBeFalse
import io.kotest.matchers.booleans.shouldBeTrue
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import java.io.IOException
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import kotlin.time.Duration.Companion.seconds

class EventLoopRegistrationTest : FunSpec({
    test("a ready source's handler gets its registration and the event").config(timeout = 30.seconds) {
        EventLoop.open().use { loop ->
            TestEventFd().use { fd ->
                var seen: Pair<Registration, Long>? = null
                var readable = false
                val registration = loop.register(fd.source, Interest.READABLE) { reg, event ->
                    seen = reg to event.token()
                    readable = event.isReadable()
                }
                fd.signal()
                loop.runOnce(10_000)
                seen shouldBe (registration to registration.token())
                readable.shouldBeTrue()
            }
        }
    }

    test("a handler that deregisters another source in the same batch stops that source's handler")
        .config(timeout = 30.seconds) {
            EventLoop.open().use { loop ->
                TestEventFd().use { a ->
                    TestEventFd().use { b ->
                        TestEventFd().use { c ->
                            val calls = mutableListOf<String>()
                            val registrations = HashMap<String, Registration>()
                            var reusedBy: Registration? = null
                            fun handler(name: String, other: String) = { _: Registration, _: io.jmio.Event ->
                                calls += name
                                registrations.getValue(other).deregister()
                                // The freed slot goes straight to a new source: the stale event
                                // already fetched for the other one must not reach it either.
                                reusedBy = loop.register(c.source, Interest.READABLE) { _, _ -> calls += "c" }
                                c.signal()
                            }
                            registrations["a"] = loop.register(a.source, Interest.READABLE, handler("a", "b"))
                            registrations["b"] = loop.register(b.source, Interest.READABLE, handler("b", "a"))
                            a.signal()
                            b.signal()

                            loop.runOnce(10_000)

                            calls shouldHaveSize 1
                            val stopped = registrations.getValue(if (calls[0] == "a") "b" else "a")
                            stopped.isRegistered().shouldBeFalse()
                            reusedBy!!.token().toInt() shouldBe stopped.token().toInt()
                            reusedBy!!.token() shouldNotBe stopped.token()

                            loop.runOnce(10_000)
                            calls shouldContainExactly listOf(calls[0], "c")
                        }
                    }
                }
            }
        }

    test("after deregister the handler is not called again").config(timeout = 30.seconds) {
        EventLoop.open().use { loop ->
            TestEventFd().use { fd ->
                var calls = 0
                val registration = loop.register(fd.source, Interest.READABLE) { _, _ -> calls++ }
                fd.signal()
                loop.runOnce(10_000)
                calls shouldBe 1
                registration.deregister()
                registration.deregister() // idempotent
                fd.signal()
                loop.runOnce(50)
                calls shouldBe 1
                shouldThrow<IOException> { registration.reregister(Interest.READABLE) }
            }
        }
    }

    test("reregister replaces the interests").config(timeout = 30.seconds) {
        EventLoop.open().use { loop ->
            TestEventFd().use { fd ->
                val writable = CopyOnWriteArrayList<Boolean>()
                val registration = loop.register(fd.source, Interest.READABLE) { _, event ->
                    writable += event.isWritable()
                }
                loop.runOnce(20)
                writable shouldHaveSize 0 // an unsignalled eventfd is not readable
                registration.reregister(Interest.WRITABLE)
                loop.runOnce(10_000)
                writable shouldContainExactly listOf(true)
            }
        }
    }

    test("a source registered from another thread wakes the running loop").config(timeout = 30.seconds) {
        EventLoop.open().use { loop ->
            TestEventFd().use { fd ->
                val runner = loop.runInThread()
                val called = CountDownLatch(1)
                Thread.sleep(20) // let the loop block in epoll_wait
                fd.signal()
                loop.register(fd.source, Interest.READABLE) { _, _ ->
                    loop.inEventLoop().shouldBeTrue()
                    called.countDown()
                }
                called.await(10, TimeUnit.SECONDS).shouldBeTrue()
                loop.shutdown()
                runner.join(10_000)
                runner.isAlive.shouldBeFalse()
            }
        }
    }

    test("sources come and go from another thread while the loop dispatches").config(timeout = 60.seconds) {
        withRunningLoop { loop ->
            TestEventFd().use { busy ->
                // A source that is ready every turn keeps the loop dispatching throughout.
                val busyRegistration = loop.register(busy.source, Interest.READABLE) { _, _ -> busy.signal() }
                busy.signal()
                TestEventFd().use { fd ->
                    repeat(2_000) { round ->
                        val called = CountDownLatch(1)
                        val registration = loop.register(fd.source, Interest.READABLE) { _, _ -> called.countDown() }
                        fd.signal()
                        check(called.await(10, TimeUnit.SECONDS)) { "round $round: no event" }
                        registration.deregister()
                        fd.drain()
                    }
                }
                // Before busy's fd closes, on the loop's thread (where deregistering is exact): its
                // handler must not write to a closed, or reused, fd number.
                val deregistered = CountDownLatch(1)
                loop.execute {
                    busyRegistration.deregister()
                    deregistered.countDown()
                }
                check(deregistered.await(10, TimeUnit.SECONDS)) { "the loop did not deregister busy" }
            }
        }
    }

    test("exceptions in handlers reach the exception handler and the loop goes on").config(timeout = 30.seconds) {
        val reported = CopyOnWriteArrayList<Throwable>()
        EventLoop.open(EventLoop.Options().exceptionHandler { reported += it }).use { loop ->
            TestEventFd().use { failing ->
                TestEventFd().use { healthy ->
                    var healthyCalls = 0
                    loop.register(failing.source, Interest.READABLE) { _, _ -> throw IOException("boom") }
                    loop.register(healthy.source, Interest.READABLE) { _, _ -> healthyCalls++ }
                    failing.signal()
                    healthy.signal()
                    awaitUntil("both handlers ran") {
                        loop.runOnce(100)
                        healthyCalls == 1 && reported.size == 1
                    }
                    (reported[0] as IOException).message shouldBe "boom"
                    failing.signal()
                    healthy.signal()
                    awaitUntil("both handlers ran again") {
                        loop.runOnce(100)
                        healthyCalls == 2 && reported.size == 2
                    }
                }
            }
        }
    }

    test("a failed registration gives its token back").config(timeout = 30.seconds) {
        EventLoop.open().use { loop ->
            TestEventFd().use { fd ->
                TestEventFd().use { other ->
                    val first = loop.register(fd.source, Interest.READABLE) { _, _ -> }
                    shouldThrow<IOException> { loop.register(fd.source, Interest.READABLE) { _, _ -> } }
                    val next = loop.register(other.source, Interest.READABLE) { _, _ -> }
                    // The failed attempt took the slot after first's and must have freed it.
                    next.token().toInt() shouldBe first.token().toInt() + 1
                }
            }
        }
    }
})
