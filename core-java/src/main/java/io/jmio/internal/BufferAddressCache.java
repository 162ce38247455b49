package io.jmio.internal;

import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;

/**
 * The direct buffer one direction of an fd last used, with its native address, or 0 where the
 * kernel must not be handed its memory (see {@link #addressOf}). A socket is usually read through
 * the same buffer call after call (and written from another), so a hit costs a reference compare,
 * where the backend's lookup is a JNI call (JNA on JDK 24+) or a segment that C2 does not always
 * scalar-replace (FFM). A miss allocates one small entry.
 *
 * <p>The buffer is held weakly, so the cache keeps no buffer (and no native memory) alive. The
 * entry is immutable and read without synchronization on purpose: a thread that sees another's
 * entry sees its final address, and a stale or missing one only costs a fresh lookup. Internal.
 */
final class BufferAddressCache {
    private Entry last;

    /** {@link FdIo#kernelAddress}, looked up once per buffer: 0 if a call must copy the buffer. */
    long addressOf(ByteBuffer buffer) {
        if (!buffer.isDirect()) {
            return 0;
        }
        Entry entry = last;
        if (entry != null && entry.get() == buffer) {
            return entry.address;
        }
        long address = FdIo.kernelAddress(buffer);
        last = new Entry(buffer, address);
        return address;
    }

    private static final class Entry extends WeakReference<ByteBuffer> {
        final long address;

        Entry(ByteBuffer buffer, long address) {
            super(buffer);
            this.address = address;
        }
    }
}
