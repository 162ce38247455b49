package io.jmio.core

import io.jmio.Interest
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.booleans.shouldBeFalse
import io.kotest.matchers.booleans.shouldBeTrue
import io.kotest.matchers.nulls.shouldBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeSameInstanceAs

class InterestTest : FunSpec({
    test("is_* report exactly the interests held") {
        Interest.READABLE.isReadable().shouldBeTrue()
        Interest.READABLE.isWritable().shouldBeFalse()
        Interest.WRITABLE.isWritable().shouldBeTrue()
        Interest.WRITABLE.isReadable().shouldBeFalse()
        Interest.PRIORITY.isPriority().shouldBeTrue()
        val both = Interest.READABLE.add(Interest.WRITABLE)
        both.isReadable().shouldBeTrue()
        both.isWritable().shouldBeTrue()
        both.isPriority().shouldBeFalse()
    }

    test("add is commutative and returns shared instances") {
        Interest.READABLE.add(Interest.WRITABLE) shouldBeSameInstanceAs Interest.WRITABLE.add(Interest.READABLE)
        Interest.READABLE.add(Interest.READABLE) shouldBeSameInstanceAs Interest.READABLE
    }

    test("remove gives what is left, or null when nothing is") {
        val all = Interest.READABLE.add(Interest.WRITABLE).add(Interest.PRIORITY)
        all.remove(Interest.WRITABLE) shouldBeSameInstanceAs Interest.READABLE.add(Interest.PRIORITY)
        Interest.READABLE.remove(Interest.WRITABLE) shouldBeSameInstanceAs Interest.READABLE
        Interest.READABLE.remove(Interest.READABLE).shouldBeNull()
        all.remove(all).shouldBeNull()
    }

    test("toString names the interests joined by |") {
        Interest.READABLE.toString() shouldBe "READABLE"
        Interest.READABLE.add(Interest.WRITABLE).toString() shouldBe "READABLE | WRITABLE"
        Interest.PRIORITY.add(Interest.READABLE).add(Interest.WRITABLE).toString() shouldBe "READABLE | WRITABLE | PRIORITY"
    }
})
