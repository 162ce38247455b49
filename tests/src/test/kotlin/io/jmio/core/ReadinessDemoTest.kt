package io.jmio.core

import io.jmio.examples.core.ReadinessDemo
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.string.shouldContain
import java.io.ByteArrayOutputStream
import java.io.PrintStream

class ReadinessDemoTest : FunSpec({
    timeout = 60_000L
    blockingTest = true

    test("the demo's event loop receives every message, in order, through the waker") {
        val output = ByteArrayOutputStream()
        val received = PrintStream(output, true, "UTF-8").use { ReadinessDemo.run(200, it) }
        received shouldContainExactly (1..200).map { "message $it" }
        output.toString("UTF-8") shouldContain "got message 200"
        output.toString("UTF-8") shouldContain "200 messages in "
    }
})
