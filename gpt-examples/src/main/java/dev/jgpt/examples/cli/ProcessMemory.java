package dev.jgpt.examples.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A process's memory as Linux reports it in {@code /proc/PID/status}, for the benchmarks. */
public final class ProcessMemory {

    private ProcessMemory() {}

    /** A field of /proc/self/status (VmRSS, VmHWM = peak), in kB; -1 where there is no /proc. */
    public static long rssKb(String field) {
        return rssKb("self", field);
    }

    /** A field of /proc/PID/status in kB, for another process ({@code pid} "self" for this one). */
    public static long rssKb(String pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", pid, "status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
