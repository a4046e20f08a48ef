package dev.jgpt.examples.cli;

import ai.djl.Device;
import dev.jgpt.model.Engines;
import picocli.CommandLine.Option;

/** {@code --device auto|cpu|gpu|gpu:N}, shared by every command that runs a model. */
final class DeviceOption {

    @Option(names = "--device", defaultValue = "auto",
            description = "auto (a GPU when the engine sees one), cpu, gpu or gpu:N (default: ${DEFAULT-VALUE}).")
    String spec;

    /** The device on the default engine. */
    Device device() {
        return Engines.device(spec);
    }
}
