package io.jmio.examples.kv;

import java.util.HashMap;
import java.util.function.LongSupplier;

/**
 * The key space: string values with optional expiry, and no I/O, so commands and expiry can be
 * tested with a fake clock. Expired keys vanish two ways, as in Redis: lazily, when a lookup finds
 * them past their time, and actively, when a timer calls {@link #expireDue}.
 *
 * <p>Not thread-safe: whoever uses it holds its monitor ({@code synchronized (store)}), as
 * {@link KvSession} does for each batch of commands.
 */
public final class Store {
    private final HashMap<Key, Entry> entries = new HashMap<>();
    private final ExpiryHeap expiring = new ExpiryHeap();
    private final LongSupplier clockMillis;

    public Store() {
        this(System::currentTimeMillis);
    }

    public Store(LongSupplier clockMillis) {
        this.clockMillis = clockMillis;
    }

    /** Epoch milliseconds, by the store's clock. */
    long now() {
        return clockMillis.getAsLong();
    }

    /** The live entry for {@code key}, or null; removes it if it has expired. */
    Entry find(Key.Probe key, long now) {
        Entry entry = entries.get(key);
        if (entry != null && isExpired(entry, now)) {
            delete(entry);
            return null;
        }
        return entry;
    }

    /** Adds a new key (the caller checked it is absent) without expiry. */
    Entry insert(Key.Probe key, byte[] value) {
        Entry entry = new Entry(key.toKey(), value);
        entries.put(entry.key, entry);
        return entry;
    }

    /** Sets {@code key} to {@code value} without expiry, whether or not it existed. */
    Entry put(Key.Probe key, byte[] value, long now) {
        Entry entry = find(key, now);
        if (entry == null) {
            return insert(key, value);
        }
        entry.value = value;
        setExpiry(entry, Entry.NO_EXPIRY);
        return entry;
    }

    void delete(Entry entry) {
        entries.remove(entry.key);
        expiring.remove(entry);
    }

    /** Sets when {@code entry} expires (epoch ms), or {@link Entry#NO_EXPIRY} to keep it. */
    void setExpiry(Entry entry, long expiresAt) {
        entry.expiresAt = expiresAt;
        if (expiresAt == Entry.NO_EXPIRY) {
            expiring.remove(entry);
        } else {
            expiring.schedule(entry);
        }
    }

    /** How many keys there are, counting expired ones not yet removed (as Redis's DBSIZE). */
    public int size() {
        return entries.size();
    }

    /** How many keys have an expiry. */
    public int expiringSize() {
        return expiring.size();
    }

    public void clear() {
        entries.clear();
        expiring.clear();
    }

    /**
     * Removes up to {@code max} keys whose time has passed, soonest first: what the server's
     * expiry timer runs. Bounded, so one tick never stalls the loop for long.
     *
     * @return how many keys it removed
     */
    public int expireDue(int max) {
        long now = now();
        int removed = 0;
        Entry next;
        while (removed < max && (next = expiring.peek()) != null && isExpired(next, now)) {
            delete(next);
            removed++;
        }
        return removed;
    }

    /** Redis's rule: a key lives through its expiry millisecond and is gone after it. */
    private static boolean isExpired(Entry entry, long now) {
        return entry.expiresAt != Entry.NO_EXPIRY && now > entry.expiresAt;
    }
}
