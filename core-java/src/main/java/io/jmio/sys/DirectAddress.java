package io.jmio.sys;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.ref.WeakReference;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.Buffer;
import java.nio.ByteBuffer;

/**
 * Finds a direct buffer's native address without allocating. Internal.
 *
 * <p>The fast way reads the private {@code java.nio.Buffer.address} field through
 * {@code sun.misc.Unsafe}: an intrinsic load, available on JDK 11–23 and Android. JDK 24+ warns on
 * first use of Unsafe's memory access (JEP 498), so there, or with {@code -Djmio.unsafe=false},
 * jmio asks JNI ({@code GetDirectBufferAddress}) through JNA's own native method, called by a
 * method handle so that no {@code Pointer} is made. Where that method cannot be reached (JNA as a
 * named module that does not open it), it remembers the answer for the last buffer each thread
 * used instead: one allocation when a thread switches buffers, none while it reuses one.
 */
public abstract class DirectAddress {
    DirectAddress() {}

    /**
     * The address of {@code buffer}'s index 0.
     *
     * @throws IllegalArgumentException if {@code buffer} is not direct: its "address" would point
     *     nowhere native code may write
     */
    public final long of(ByteBuffer buffer) {
        if (!buffer.isDirect()) {
            throw new IllegalArgumentException("not a direct buffer: " + buffer);
        }
        return addressOf(buffer);
    }

    abstract long addressOf(ByteBuffer buffer);

    /** Which strategy is in use, for diagnostics. */
    public abstract String kind();

    /** The fastest strategy available here. */
    public static DirectAddress best() {
        if (!Boolean.parseBoolean(System.getProperty("jmio.unsafe", Boolean.toString(javaFeatureVersion() < 24)))) {
            return new ViaJni();
        }
        DirectAddress unsafe = ViaUnsafe.tryCreate();
        return unsafe != null ? unsafe : new ViaJni();
    }

    /** The strategy that never uses Unsafe. */
    public static DirectAddress viaJni() {
        return new ViaJni();
    }

    /** 8 for "1.8", 17 for "17"; Android reports "0.9" and counts as 0. */
    static int javaFeatureVersion() {
        String spec = System.getProperty("java.specification.version", "0");
        try {
            if (spec.startsWith("1.")) {
                return Integer.parseInt(spec.substring(2));
            }
            int dot = spec.indexOf('.');
            return Integer.parseInt(dot < 0 ? spec : spec.substring(0, dot));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static final class ViaUnsafe extends DirectAddress {
        private final sun.misc.Unsafe unsafe;
        private final long addressOffset;

        private ViaUnsafe(sun.misc.Unsafe unsafe, long addressOffset) {
            this.unsafe = unsafe;
            this.addressOffset = addressOffset;
        }

        static DirectAddress tryCreate() {
            try {
                Field theUnsafe = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
                theUnsafe.setAccessible(true);
                sun.misc.Unsafe unsafe = (sun.misc.Unsafe) theUnsafe.get(null);
                long offset = unsafe.objectFieldOffset(Buffer.class.getDeclaredField("address"));
                ViaUnsafe candidate = new ViaUnsafe(unsafe, offset);
                // Trust the field only if it agrees with JNI's answer.
                ByteBuffer probe = ByteBuffer.allocateDirect(16);
                return candidate.of(probe) == Pointer.nativeValue(Native.getDirectBufferPointer(probe)) ? candidate : null;
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                return null;
            }
        }

        @Override
        long addressOf(ByteBuffer buffer) {
            return unsafe.getLong(buffer, addressOffset);
        }

        @Override
        public String kind() {
            return "unsafe";
        }
    }

    private static final class ViaJni extends DirectAddress {
        private static final class LastBuffer {
            WeakReference<ByteBuffer> buffer = new WeakReference<>(null);
            long address;
        }

        /** JNA's {@code Native._getDirectBufferPointer(Buffer)}: the address as a long, or null if unreachable. */
        private static final MethodHandle JNA_ADDRESS = jnaAddress();

        private final ThreadLocal<LastBuffer> last = ThreadLocal.withInitial(LastBuffer::new);

        private static MethodHandle jnaAddress() {
            try {
                Method method = Native.class.getDeclaredMethod("_getDirectBufferPointer", Buffer.class);
                method.setAccessible(true);
                return MethodHandles.lookup().unreflect(method);
            } catch (ReflectiveOperationException | RuntimeException e) {
                return null;
            }
        }

        @Override
        long addressOf(ByteBuffer buffer) {
            if (JNA_ADDRESS != null) {
                try {
                    return (long) JNA_ADDRESS.invokeExact((Buffer) buffer);
                } catch (RuntimeException | Error e) {
                    throw e;
                } catch (Throwable impossible) { // the native method declares no checked exception
                    throw new AssertionError(impossible);
                }
            }
            LastBuffer cached = last.get();
            if (cached.buffer.get() == buffer) {
                return cached.address;
            }
            long address = Pointer.nativeValue(Native.getDirectBufferPointer(buffer));
            cached.buffer = new WeakReference<>(buffer);
            cached.address = address;
            return address;
        }

        @Override
        public String kind() {
            return "jni";
        }
    }
}
