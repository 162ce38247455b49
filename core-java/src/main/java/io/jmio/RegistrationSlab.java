package io.jmio;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The {@link EventLoop}'s token table: token = reuse count (high 32 bits) | slot index (low 32).
 * Finding the registration for an event is one array read and one compare, without boxing or
 * hashing. The reuse count makes a stale event, fetched before its source was deregistered and
 * its slot handed to another source, miss instead of reaching the new handler.
 *
 * <p>Changes happen under this object's lock, from any thread. {@link #lookup} is lock-free: a
 * writer republishes {@link #slots} (a volatile write) after every change, so the loop thread's
 * volatile read sees it.
 */
final class RegistrationSlab {
    private static final int INITIAL = 64;

    private volatile Registration[] slots = new Registration[INITIAL];
    private int[] generations = new int[INITIAL];
    /** Freed slot indexes, used before new ones. */
    private int[] free = new int[INITIAL];
    private int freeCount;
    /** Slots ever used: [0, used) are live or free. */
    private int used;
    private int live;
    private boolean closed;

    /** The live registration for {@code token}, or null (a stale, foreign or waker token). */
    Registration lookup(long token) {
        int slot = (int) token;
        Registration[] current = slots;
        if (slot < 0 || slot >= current.length) {
            return null;
        }
        Registration registration = current[slot];
        return registration != null && registration.token() == token ? registration : null;
    }

    /** A new live registration in a free slot, or null once the slab is closed. */
    synchronized Registration add(EventLoop loop, Source source, ReadyHandler handler) {
        if (closed) {
            return null;
        }
        int slot;
        if (freeCount > 0) {
            slot = free[--freeCount];
        } else {
            if (used == Integer.MAX_VALUE) {
                throw new IllegalStateException("too many registrations");
            }
            slot = used++;
        }
        Registration[] current = slots;
        if (slot >= current.length) {
            int length = (int) Math.min((long) current.length * 2, Integer.MAX_VALUE);
            current = Arrays.copyOf(current, length);
            generations = Arrays.copyOf(generations, length);
        }
        long token = ((long) generations[slot] << 32) | slot;
        Registration registration = new Registration(loop, source, handler, token);
        current[slot] = registration;
        slots = current;
        live++;
        return registration;
    }

    /** Frees {@code registration}'s slot; false if it was already released. */
    synchronized boolean remove(Registration registration) {
        if (!registration.registered) {
            return false;
        }
        registration.registered = false;
        int slot = (int) registration.token();
        Registration[] current = slots;
        current[slot] = null;
        generations[slot]++;
        if (freeCount == free.length) {
            free = Arrays.copyOf(free, free.length * 2);
        }
        free[freeCount++] = slot;
        slots = current;
        live--;
        return true;
    }

    /** Refuses later adds and returns the registrations still live, for the loop to deregister. */
    synchronized List<Registration> close() {
        closed = true;
        List<Registration> remaining = new ArrayList<>(live);
        for (Registration registration : slots) {
            if (registration != null) {
                remaining.add(registration);
            }
        }
        return remaining;
    }
}
