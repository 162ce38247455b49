package io.jmio.benchmarks.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The machine and JDK a run measured, for the report's header. */
public record Machine(int cpus, String cpuModel, String kernel, String jdk, double loadAverage) {
    public static Machine describe() {
        List<String> cpuinfo = lines("/proc/cpuinfo");
        int cpus = (int) cpuinfo.stream().filter(l -> l.startsWith("processor")).count();
        String model = cpuinfo.stream().filter(l -> l.startsWith("model name")).findFirst()
                .map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("unknown CPU");
        String jdk = System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                + " (" + System.getProperty("java.vm.vendor") + ")";
        return new Machine(cpus, model, "Linux " + System.getProperty("os.version"), jdk, currentLoadAverage());
    }

    /** The report's "Machine: ..." line, ending in a newline, with the load average after the run. */
    public String summary(double loadAfter) {
        return String.format(Locale.ROOT, "Machine: %d CPUs (%s), %s. JDK: %s. Load average %.2f before the run, %.2f after.%n",
                cpus, cpuModel, kernel, jdk, loadAverage, loadAfter);
    }

    /** The 1-minute load average now (NaN if unknown): a hint of how busy the machine is apart from the run. */
    public static double currentLoadAverage() {
        List<String> load = lines("/proc/loadavg");
        return load.isEmpty() ? Double.NaN : Double.parseDouble(load.get(0).split(" ")[0]);
    }

    private static List<String> lines(String file) {
        try {
            return Files.readAllLines(Path.of(file));
        } catch (IOException e) {
            return List.of();
        }
    }
}
