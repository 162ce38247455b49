package io.jmio.benchmarks.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A generated block of a README: everything between the {@code begin} and {@code end} marker lines,
 * which each default-mode run of a harness replaces whole, so no figure in it is typed by hand.
 */
public record ReadmeBlock(String begin, String end) {
    /** Replaces the block's content in {@code readme}; returns false, touching nothing, when the markers are absent. */
    public boolean replace(Path readme, String content) throws IOException {
        if (!Files.isRegularFile(readme)) return false;
        String text = Files.readString(readme);
        int from = text.indexOf(begin);
        int to = text.indexOf(end);
        if (from < 0 || to < from) return false;
        Files.writeString(readme, text.substring(0, from) + begin + "\n" + content + text.substring(to));
        return true;
    }
}
