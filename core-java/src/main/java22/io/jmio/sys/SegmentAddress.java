package io.jmio.sys;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * A direct buffer's address through {@link MemorySegment#ofBuffer}: public API, no Unsafe, no
 * JNI, and no cache to miss when a thread switches buffers. The segment it makes never escapes,
 * so C2 removes the allocation (checked with -prof gc and by the allocation tests). Internal.
 */
@Jdk22
final class SegmentAddress extends DirectAddress {
    @Override
    long addressOf(ByteBuffer buffer) {
        return MemorySegment.ofBuffer(buffer).address() - buffer.position();
    }

    @Override
    public String kind() {
        return "segment";
    }
}
