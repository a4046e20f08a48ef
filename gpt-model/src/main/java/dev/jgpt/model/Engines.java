package dev.jgpt.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

/**
 * Choosing the engine and the device at run time, with errors a user can act on.
 *
 * <p>The engine is DJL's default engine: {@code DJL_DEFAULT_ENGINE} or {@code
 * -Dai.djl.default_engine=PyTorch|MXNet}. DJL itself fails on an unknown name inside a static
 * initialiser; {@link #checkRequested()} says which engines are on the classpath instead. Devices
 * are {@code auto} (a GPU when the engine sees one), {@code cpu}, {@code gpu} or {@code gpu:N}.
 */
public final class Engines {

    private Engines() {}

    /** The engines whose providers are on the classpath, without initialising DJL's Engine. */
    public static List<String> available() {
        List<String> names = new ArrayList<>();
        for (EngineProvider p : ServiceLoader.load(EngineProvider.class)) {
            names.add(p.getEngineName());
        }
        return names;
    }

    /** The engine the environment asks for ({@code DJL_DEFAULT_ENGINE}, then the property), or null. */
    public static String requested() {
        String env = System.getenv("DJL_DEFAULT_ENGINE");
        String name = env != null && !env.isEmpty() ? env : System.getProperty("ai.djl.default_engine");
        return name == null || name.isEmpty() ? null : name;
    }

    /**
     * Checks that the requested engine (if any) is on the classpath, and that there is one at all.
     *
     * @throws IllegalArgumentException naming the engine asked for and those available
     */
    public static void checkRequested() {
        List<String> names = available();
        String wanted = requested();
        if (names.isEmpty()) {
            throw new IllegalArgumentException("No deep learning engine on the classpath: add"
                    + " ai.djl.pytorch:pytorch-engine (and its native jar) or ai.djl.mxnet:mxnet-engine");
        }
        if (wanted != null && !names.contains(wanted)) {
            throw new IllegalArgumentException("Unknown engine '" + wanted + "' (from "
                    + (System.getenv("DJL_DEFAULT_ENGINE") != null ? "DJL_DEFAULT_ENGINE" : "-Dai.djl.default_engine")
                    + "); engines on the classpath: " + String.join(", ", names));
        }
    }

    /**
     * Checks only that a requested engine name (if any) is on the classpath; for programs that
     * can also run without an engine.
     *
     * @throws IllegalArgumentException naming the engine asked for and those available
     */
    public static void checkRequestedName() {
        String wanted = requested();
        if (wanted != null) {
            checkRequested();
        }
    }

    /**
     * The device {@code spec} names on the default engine.
     *
     * @param spec {@code auto}, {@code cpu}, {@code gpu} (the first GPU) or {@code gpu:N}
     * @throws IllegalArgumentException for a malformed spec or a GPU the engine does not see
     */
    public static Device device(String spec) {
        checkRequested();
        return device(spec, Engine.getInstance());
    }

    /** {@link #device(String)} on {@code engine}. */
    public static Device device(String spec, Engine engine) {
        String s = spec == null ? "auto" : spec.trim().toLowerCase(Locale.ROOT);
        if (s.equals("auto")) {
            return engine.defaultDevice();
        }
        if (s.equals("cpu")) {
            return Device.cpu();
        }
        int id;
        if (s.equals("gpu")) {
            id = 0;
        } else if (s.matches("gpu:[0-9]+")) {
            id = Integer.parseInt(s.substring(4));
        } else {
            throw new IllegalArgumentException("Device must be auto, cpu, gpu or gpu:N, got '" + spec + "'");
        }
        int gpus = engine.getGpuCount();
        if (id >= gpus) {
            throw new IllegalArgumentException("Device " + spec + " asked for, but the " + engine.getEngineName()
                    + " engine sees " + gpus + " GPU(s)"
                    + (gpus == 0 ? ": no CUDA device, or a CPU-only native library (see the README's"
                            + " 'CPU or CUDA' section)" : ""));
        }
        return Device.gpu(id);
    }
}
