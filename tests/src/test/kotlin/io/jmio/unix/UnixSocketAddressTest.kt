package io.jmio.unix

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.booleans.shouldBeFalse
import io.kotest.matchers.booleans.shouldBeTrue
import io.kotest.matchers.nulls.shouldBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.types.shouldBeSameInstanceAs
import java.io.ByteArrayInputStream
import java.io.ByteArrayOutputStream
import java.io.ObjectInputStream
import java.io.ObjectOutputStream
import java.lang.reflect.Proxy
import java.nio.file.Path

class UnixSocketAddressTest : FunSpec({
    test("a path address gives back its path and prints as the path") {
        val address = UnixSocketAddress.of(Path.of("/tmp/some dir/app.sock"))
        address.path() shouldBe Path.of("/tmp/some dir/app.sock")
        address.isPath.shouldBeTrue()
        address.isAbstract.shouldBeFalse()
        address.isUnnamed.shouldBeFalse()
        address.abstractNameBytes().shouldBeNull()
        address.toString() shouldBe "/tmp/some dir/app.sock"
    }

    test("an abstract name keeps its bytes and prints as @name with escapes") {
        val address = UnixSocketAddress.abstractName(byteArrayOf('a'.code.toByte(), 0, 0x7f, '\\'.code.toByte()))
        address.isAbstract.shouldBeTrue()
        address.path().shouldBeNull()
        address.abstractNameBytes() shouldBe byteArrayOf('a'.code.toByte(), 0, 0x7f, '\\'.code.toByte())
        address.toString() shouldBe "@a\\x00\\x7f\\x5c"
        UnixSocketAddress.abstractName("jmio").toString() shouldBe "@jmio"
    }

    test("abstract name bytes are copied in and out") {
        val name = "abc".toByteArray()
        val address = UnixSocketAddress.abstractName(name)
        name[0] = 'x'.code.toByte()
        address.abstractNameBytes()!![1] = 'y'.code.toByte()
        address.abstractNameBytes() shouldBe "abc".toByteArray()
    }

    test("unnamed is a single value with no path and no name") {
        val unnamed = UnixSocketAddress.unnamed()
        unnamed shouldBeSameInstanceAs UnixSocketAddress.unnamed()
        unnamed.isUnnamed.shouldBeTrue()
        unnamed.path().shouldBeNull()
        unnamed.abstractNameBytes().shouldBeNull()
        unnamed.toString() shouldBe "(unnamed)"
    }

    test("equality follows kind and bytes") {
        UnixSocketAddress.of(Path.of("/a/b")) shouldBe UnixSocketAddress.of(Path.of("/a/b"))
        UnixSocketAddress.of(Path.of("/a/b")).hashCode() shouldBe UnixSocketAddress.of(Path.of("/a/b")).hashCode()
        UnixSocketAddress.abstractName("x") shouldBe UnixSocketAddress.abstractName("x".toByteArray())
        UnixSocketAddress.of(Path.of("x")) shouldNotBe UnixSocketAddress.abstractName("x")
        UnixSocketAddress.of(Path.of("/a/b")) shouldNotBe UnixSocketAddress.of(Path.of("/a/c"))
        UnixSocketAddress.abstractName("") shouldNotBe UnixSocketAddress.unnamed()
    }

    test("a path of 107 bytes fits and one of 108 is too long") {
        val fits = "/" + "a".repeat(106)
        UnixSocketAddress.of(Path.of(fits)).path() shouldBe Path.of(fits)
        val e = shouldThrow<IllegalArgumentException> { UnixSocketAddress.of(Path.of(fits + "a")) }
        e.message shouldContain "too long: 108 bytes, at most 107"
    }

    test("an abstract name longer than 107 bytes is rejected") {
        UnixSocketAddress.abstractName(ByteArray(107)).abstractNameBytes()!!.size shouldBe 107
        shouldThrow<IllegalArgumentException> { UnixSocketAddress.abstractName(ByteArray(108)) }
            .message shouldContain "too long"
    }

    test("an empty path is rejected") {
        shouldThrow<IllegalArgumentException> { UnixSocketAddress.of(Path.of("")) }.message shouldContain "empty"
    }

    test("a path containing NUL is rejected even from a file system that allows it") {
        // The default file system already refuses NUL; a Path from another provider may not.
        val nulPath = Proxy.newProxyInstance(Path::class.java.classLoader, arrayOf(Path::class.java)) { _, method, _ ->
            if (method.name == "toString") "/tmp/a\u0000b" else throw UnsupportedOperationException(method.name)
        } as Path
        shouldThrow<IllegalArgumentException> { UnixSocketAddress.of(nulPath) }.message shouldContain "NUL"
    }

    test("serialization round trips every kind") {
        for (address in listOf(
            UnixSocketAddress.of(Path.of("/run/x.sock")),
            UnixSocketAddress.abstractName("name"),
            UnixSocketAddress.unnamed(),
        )) {
            val bytes = ByteArrayOutputStream().also { out -> ObjectOutputStream(out).use { it.writeObject(address) } }
            val copy = ObjectInputStream(ByteArrayInputStream(bytes.toByteArray())).use { it.readObject() }
            copy shouldBe address
        }
    }
})
