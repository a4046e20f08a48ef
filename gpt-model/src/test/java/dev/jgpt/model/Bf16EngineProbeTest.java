package dev.jgpt.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.jgpt.model.testing.TestData;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Why {@link LanguageModel#toDataType} refuses BF16, kept true by running each way of making a
 * BF16 tensor in a child JVM on the tests' engine (an abort there cannot kill the test run).
 * DJL 0.36's PyTorch JNI maps only its first nine {@code DataType}s to libtorch types ({@code
 * GetScalarTypeFromDType} in {@code djl_pytorch_utils.h}); BFLOAT16 (ordinal 11) reaches its
 * {@code default: throw;}, a rethrow with no active exception, so the process aborts ("terminate
 * called without an active exception", exit 134). MXNet answers with an exception. If a DJL
 * upgrade makes a route work, this test fails: then BF16 inference can be offered.
 */
class Bf16EngineProbeTest {

    private static final String[] ROUTES = {"toType", "createFromBytes", "zeros", "decodeSafetensors"};

    @Test
    void noRouteToABf16TensorWorksOnThisEngine() throws Exception {
        List<String> outcomes = new ArrayList<>();
        for (String route : ROUTES) {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path")));
            for (String p : new String[] {"ai.djl.default_engine", "ai.djl.offline"}) {
                if (System.getProperty(p) != null) {
                    cmd.add("-D" + p + "=" + System.getProperty(p));
                }
            }
            cmd.addAll(List.of(Probe.class.getName(), route, TestData.fixture("qwen3-tiny").resolve("model.safetensors").toString()));
            Process process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            byte[] bytes;
            try (InputStream in = process.getInputStream()) {
                bytes = in.readAllBytes();
            }
            assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
            String output = new String(bytes, StandardCharsets.UTF_8);
            int code = process.exitValue();
            outcomes.add(route + ": exit " + code);
            assertThat(output).as(route).doesNotContain("WORKS");
            assertThat(code).as(route + " output: " + output).isNotZero();
            // either the engine aborts the JVM (PyTorch) or it throws (MXNet); never a silent success
            assertThat(output.contains("terminate called without an active exception") || output.contains("REFUSED"))
                    .as(route + " output: " + output).isTrue();
        }
        assertThat(outcomes).hasSize(ROUTES.length);
    }

    /** One route per JVM: prints WORKS, or REFUSED with the exception, or dies with the engine. */
    public static final class Probe {
        public static void main(String[] args) throws IOException {
            try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
                switch (args[0]) {
                    case "toType" -> m.create(new float[] {1, 2, 3, 4}).toType(DataType.BFLOAT16, false);
                    case "createFromBytes" -> {
                        ByteBuffer b = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
                        b.putShort((short) 0x3f80).putShort((short) 0x4000).putShort((short) 0x4040).putShort((short) 0x4080);
                        m.create(b.rewind(), new Shape(2, 2), DataType.BFLOAT16);
                    }
                    case "zeros" -> m.zeros(new Shape(2, 2), DataType.BFLOAT16);
                    case "decodeSafetensors" -> {
                        try (InputStream in = Files.newInputStream(Path.of(args[1]))) {
                            NDList.decode(m, in);
                        }
                    }
                    default -> throw new IllegalArgumentException(args[0]);
                }
                System.out.println("WORKS " + args[0]);
            } catch (RuntimeException e) {
                System.out.println("REFUSED " + args[0] + ": " + e);
                System.exit(3);
            }
        }
    }
}
