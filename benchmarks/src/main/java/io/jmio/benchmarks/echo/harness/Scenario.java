package io.jmio.benchmarks.echo.harness;

import java.util.Locale;

/** One load shape: {@code connections} ping-ponging {@code size}-byte messages. Written "50x64" or "50x16k". */
record Scenario(int connections, int size) {
    Scenario {
        if (connections < 1 || connections > 10_000) throw new IllegalArgumentException("connections out of 1..10000: " + connections);
        if (size < 1 || size > 1 << 24) throw new IllegalArgumentException("message size out of 1..16 MiB: " + size);
    }

    static Scenario parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        int x = t.indexOf('x');
        if (x <= 0) throw new IllegalArgumentException("scenario must look like 50x64 or 50x16k: " + text);
        String size = t.substring(x + 1);
        int scale = 1;
        if (size.endsWith("k")) {
            scale = 1024;
            size = size.substring(0, size.length() - 1);
        }
        try {
            return new Scenario(Integer.parseInt(t.substring(0, x)), Math.multiplyExact(Integer.parseInt(size), scale));
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("scenario must look like 50x64 or 50x16k: " + text);
        }
    }

    /** The short form {@link #parse} reads, used in CSV and on the command line. */
    String id() {
        return connections + "x" + (size % 1024 == 0 ? size / 1024 + "k" : String.valueOf(size));
    }

    /** For tables and charts: "50 × 16 KiB". */
    String label() {
        String bytes = size % 1024 == 0 ? size / 1024 + " KiB" : size + " B";
        return String.format(Locale.ROOT, "%,d × %s", connections, bytes);
    }
}
