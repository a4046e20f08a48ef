package dev.jgpt.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.engine.Engine;
import org.junit.jupiter.api.Test;

class EnginesTest {

    @Test
    void listsTheEnginesOnTheClasspath() {
        assertThat(Engines.available()).contains(Engine.getInstance().getEngineName());
    }

    @Test
    void anUnknownEngineNameIsOneClearError() {
        String engine = Engine.getInstance().getEngineName(); // DJL reads the property once, here
        String old = System.getProperty("ai.djl.default_engine");
        try {
            System.setProperty("ai.djl.default_engine", "TensorFlowLite");
            assertThatThrownBy(Engines::checkRequested).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("Unknown engine 'TensorFlowLite'")
                    .hasMessageContaining("engines on the classpath: ")
                    .hasMessageContaining(engine);
        } finally {
            if (old == null) {
                System.clearProperty("ai.djl.default_engine");
            } else {
                System.setProperty("ai.djl.default_engine", old);
            }
        }
    }

    @Test
    void parsesDevices() {
        Engine engine = Engine.getInstance();
        assertThat(Engines.device("cpu", engine)).isEqualTo(Device.cpu());
        assertThat(Engines.device("auto", engine)).isEqualTo(engine.defaultDevice());
        assertThatThrownBy(() -> Engines.device("tpu", engine)).hasMessageContaining("auto, cpu, gpu or gpu:N");
        int gpus = engine.getGpuCount();
        assertThatThrownBy(() -> Engines.device("gpu:" + gpus, engine))
                .hasMessageContaining("sees " + gpus + " GPU(s)");
        if (gpus > 0) {
            assertThat(Engines.device("gpu", engine)).isEqualTo(Device.gpu(0));
            assertThat(Engines.device("auto", engine)).isEqualTo(Device.gpu(0));
        } else {
            assertThat(Engines.device("auto", engine)).isEqualTo(Device.cpu());
        }
    }
}
