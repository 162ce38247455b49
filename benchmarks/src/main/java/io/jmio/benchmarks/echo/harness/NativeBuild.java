package io.jmio.benchmarks.echo.harness;

import io.jmio.benchmarks.harness.Shell;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Compiles the C parts (benchmarks/native, packed into the jar as resources) with {@code gcc -O2}
 * at run time, so no binary is committed and each machine gets code built for it.
 */
public final class NativeBuild {
    private static final String SOURCES = "/io/jmio/benchmarks/echo/native/";

    private NativeBuild() {}

    /** Compiles {@code name}.c into {@code dir} and returns the executable. */
    static Path compile(String name, Path dir) throws IOException, InterruptedException {
        return compile(name, dir, name, List.of(), List.of());
    }

    /**
     * Compiles {@code name}.c into {@code dir} as {@code binary}, with {@code flags} (such as
     * {@code -DLOADGEN_TLS}) before the source and {@code libraries} ({@code -lssl}) after it.
     */
    public static Path compile(String name, Path dir, String binaryName, List<String> flags, List<String> libraries)
            throws IOException, InterruptedException {
        Path source = dir.resolve(name + ".c");
        try (InputStream in = NativeBuild.class.getResourceAsStream(SOURCES + name + ".c")) {
            if (in == null) throw new IOException("C source missing from the classpath: " + SOURCES + name + ".c");
            Files.copy(in, source, StandardCopyOption.REPLACE_EXISTING);
        }
        Path binary = dir.resolve(binaryName);
        List<String> command = new ArrayList<>(List.of("gcc", "-O2", "-Wall"));
        command.addAll(flags);
        command.addAll(List.of("-o", binary.toString(), source.toString()));
        command.addAll(libraries);
        Shell.run(command);
        return binary;
    }
}
