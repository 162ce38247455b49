package io.jmio.benchmarks.harness;

import com.sun.management.ThreadMXBean;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * A Java agent the harness loads into every JVM server, so any server (ours or one from another jar)
 * can say how many bytes it has allocated without a line of its own code. A daemon thread blocks on
 * stdin; for each line {@code alloc} it prints {@code jmio-probe alloc <bytes>} to stdout: the heap
 * bytes every thread but its own has allocated since the JVM started (HotSpot's exact per-thread
 * counters). Heap-used figures would not do: with Epsilon they move by whole TLABs, up to megabytes.
 * Its own thread's reads and replies are left out, so asking does not change the answer.
 *
 * <p>Self-contained on purpose: {@link #writeJar} packs this one class as the agent jar.
 */
public final class AllocationProbe {
    static final String REPLY = "jmio-probe alloc ";

    private AllocationProbe() {}

    public static void premain(String options) {
        Thread thread = new Thread(AllocationProbe::serve, "jmio-allocation-probe");
        thread.setDaemon(true);
        thread.start();
    }

    private static void serve() {
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        Method total = totalAllocatedMethod();
        // The first call links reflection and management code: pay for it now, at start-up, rather
        // than at the edge of a measured window where it would stall a starved CPU.
        allocatedByOthers(threads, total);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        try {
            String line;
            while ((line = in.readLine()) != null) {
                if (!line.equals("alloc")) continue;
                System.out.println(REPLY + allocatedByOthers(threads, total));
                System.out.flush();
            }
        } catch (IOException e) {
            // stdin closed: the harness is gone, and so is the need to answer
        }
    }

    /**
     * Bytes allocated by every thread but this one, or -1 when the JVM does not count them. Uses
     * getTotalThreadAllocatedBytes (JDK 21, backported to some 17 updates), which includes threads
     * that have ended; otherwise sums the live threads, missing any that ended in between.
     */
    private static long allocatedByOthers(ThreadMXBean threads, Method total) {
        if (!threads.isThreadAllocatedMemorySupported() || !threads.isThreadAllocatedMemoryEnabled()) return -1;
        long self = Thread.currentThread().getId();
        if (total != null) {
            try {
                // Total first, own second: whatever this thread allocates in between lands in both.
                long all = (Long) total.invoke(threads);
                long own = threads.getThreadAllocatedBytes(self);
                return all < 0 || own < 0 ? -1 : all - own;
            } catch (ReflectiveOperationException e) {
                // fall through to the sum over live threads
            }
        }
        long[] ids = threads.getAllThreadIds();
        long[] bytes = threads.getThreadAllocatedBytes(ids);
        long sum = 0;
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] != self && bytes[i] > 0) sum += bytes[i];
        }
        return sum;
    }

    private static Method totalAllocatedMethod() {
        try {
            return ThreadMXBean.class.getMethod("getTotalThreadAllocatedBytes");
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    /** Writes the agent jar (this class and a manifest naming it) to {@code jar}. */
    public static void writeJar(Path jar) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(new Attributes.Name("Premain-Class"), AllocationProbe.class.getName());
        String entry = AllocationProbe.class.getName().replace('.', '/') + ".class";
        try (InputStream classFile = AllocationProbe.class.getClassLoader().getResourceAsStream(entry);
             OutputStream file = Files.newOutputStream(jar);
             JarOutputStream out = new JarOutputStream(file, manifest)) {
            if (classFile == null) throw new IOException("class file not found on the classpath: " + entry);
            out.putNextEntry(new JarEntry(entry));
            classFile.transferTo(out);
            out.closeEntry();
        }
    }
}
