package dev.jgpt.model.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.jgpt.model.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A model folder's own {@code tokenizer.json} with its special tokens: the Qwen3 and Llama 3
 * fixture folders against the reference vectors of an independent (JavaScript) implementation.
 */
class HfTokenizerTest {

    @TempDir Path tmp;

    private static long[] longs(JsonElement a) {
        return StreamSupport.stream(a.getAsJsonArray().spliterator(), false).mapToLong(JsonElement::getAsLong)
                .toArray();
    }

    @Test
    void aFolderOfAnotherFamilyWithoutTokenizerJsonIsAnErrorNotGpt2sTokenizer() throws IOException {
        Path qwen = TestData.modelFolder("qwen3-tiny", tmp);
        Files.delete(qwen.resolve(HfTokenizer.TOKENIZER_FILE));
        assertThatThrownBy(() -> Tokenizers.forModel(qwen))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has no tokenizer.json, and a 'qwen3' model has no built-in tokenizer");
        // a GPT-2 folder without one, or no folder (a preset), gets the built-in tokenizer
        Path gpt2 = Files.createDirectories(tmp.resolve("gpt2"));
        Files.writeString(gpt2.resolve("config.json"), "{\"model_type\": \"gpt2\"}");
        try (Tokenizer a = Tokenizers.forModel(gpt2); Tokenizer b = Tokenizers.forModel(null)) {
            assertThat(a).isInstanceOf(Gpt2Tokenizer.class);
            assertThat(b).isInstanceOf(Gpt2Tokenizer.class);
        }
    }

    @ParameterizedTest
    @CsvSource({"qwen3-tiny, qwen3-vectors.json", "llama32-tiny, llama3-vectors.json"})
    void everyVectorEncodesWithAndWithoutSpecialTokensAndDecodesBack(String folder, String vectors)
            throws IOException {
        JsonObject o = JsonParser.parseString(
                Files.readString(TestData.fixture("tokenizer").resolve(vectors))).getAsJsonObject();
        int n = 0;
        try (Tokenizer t = Tokenizers.forModel(TestData.modelFolder(folder, tmp))) {
            assertThat(t).isInstanceOf(HfTokenizer.class);
            for (JsonElement e : o.getAsJsonArray("vectors")) {
                JsonObject v = e.getAsJsonObject();
                String text = v.get("text").getAsString();
                assertThat(t.encode(text)).as(text).containsExactly(longs(v.get("ids")));
                assertThat(t.encodeWithSpecialTokens(text)).as(text)
                        .containsExactly(longs(v.get("ids_with_special_tokens")));
                assertThat(t.decode(longs(v.get("ids")))).as(text).isEqualTo(v.get("decoded").getAsString());
                n++;
            }
            // a rendered chat holds its special tokens as text: encoded as they are, nothing added
            for (JsonElement e : o.getAsJsonArray("chat")) {
                JsonObject c = e.getAsJsonObject();
                assertThat(t.encode(c.get("text").getAsString())).containsExactly(longs(c.get("ids")));
            }
        }
        assertThat(n).isGreaterThanOrEqualTo(10);
    }

    @Test
    void endAndPadIdsComeFromTheFolder() {
        try (Tokenizer qwen = Tokenizers.forModel(TestData.modelFolder("qwen3-tiny", tmp));
                Tokenizer llama = Tokenizers.forModel(TestData.modelFolder("llama32-tiny", tmp))) {
            // generation_config.json's lists: <|im_end|>, <|endoftext|>; Llama's three ends
            assertThat(qwen.endIds()).containsExactly(151645, 151643);
            assertThat(qwen.padId()).isEqualTo(151643); // tokenizer_config's pad_token <|endoftext|>
            assertThat(qwen.vocabSize()).isEqualTo(151669); // the ids it knows; the model's vocab_size pads to 151936
            assertThat(llama.endIds()).containsExactly(128001, 128008, 128009);
            assertThat(llama.padId()).isEqualTo(128001); // no pad token: the first end id
            assertThat(llama.decode(new long[] {128000})).isEqualTo("<|begin_of_text|>");
        }
    }

    @Test
    void endIdsFallBackToTheModelConfigThenTheTokenizerConfig() throws IOException {
        Path qwen = TestData.modelFolder("qwen3-tiny", tmp);
        Files.delete(qwen.resolve(HfTokenizer.GENERATION_CONFIG_FILE));
        try (Tokenizer t = Tokenizers.forModel(qwen)) {
            assertThat(t.endIds()).containsExactly(151645); // config.json's eos_token_id
        }
        Files.delete(qwen.resolve(HfTokenizer.CONFIG_FILE));
        try (Tokenizer t = Tokenizers.forModel(qwen)) {
            assertThat(t.endIds()).containsExactly(151645); // tokenizer_config.json's eos_token <|im_end|>
        }
    }

    @Test
    void savedFilesGiveTheSameTokenizerBack() throws IOException {
        Path qwen = TestData.modelFolder("qwen3-tiny", tmp);
        Files.delete(qwen.resolve(HfTokenizer.GENERATION_CONFIG_FILE)); // end id only in config.json
        Path copy = tmp.resolve("copy");
        String text = "<|im_start|>user\nHello, world!<|im_end|>";
        try (Tokenizer t = Tokenizers.forModel(qwen)) {
            t.save(copy);
            assertThat(copy.resolve(HfTokenizer.CONFIG_FILE)).doesNotExist(); // the model's file, not the tokenizer's
            try (Tokenizer back = Tokenizers.forModel(copy)) {
                assertThat(back.encode(text)).containsExactly(t.encode(text));
                assertThat(back.endIds()).containsExactly(151645);
                assertThat(back.padId()).isEqualTo(t.padId());
                assertThat(back.vocabSize()).isEqualTo(t.vocabSize());
            }
        }
        // a generation_config.json without end ids keeps its other fields, the end ids added
        Path llama = TestData.modelFolder("llama32-tiny", tmp);
        Files.writeString(llama.resolve(HfTokenizer.GENERATION_CONFIG_FILE), "{\"pad_token_id\": 128004}");
        Files.writeString(llama.resolve(HfTokenizer.CONFIG_FILE), "{\"eos_token_id\": [128001, 128009]}");
        Path llamaCopy = tmp.resolve("llama-copy");
        try (Tokenizer t = Tokenizers.forModel(llama)) {
            assertThat(t.padId()).isEqualTo(128004);
            t.save(llamaCopy);
            try (Tokenizer back = Tokenizers.forModel(llamaCopy)) {
                assertThat(back.endIds()).containsExactly(128001, 128009);
                assertThat(back.padId()).isEqualTo(128004);
            }
        }
        try (Tokenizer builtIn = Tokenizers.forModel(null)) {
            Path none = tmp.resolve("none");
            Files.createDirectories(none);
            builtIn.save(none);
            try (var files = Files.list(none)) {
                assertThat(files).isEmpty(); // the family default needs no file
            }
        }
    }

    @Test
    void aFolderWithoutTokenizerJsonGetsTheBuiltInGpt2Tokenizer() {
        try (Tokenizer t = Tokenizers.forModel(TestData.fixture("tiny-gpt2"));
                Tokenizer preset = Tokenizers.forModel(null)) {
            assertThat(t).isInstanceOf(Gpt2Tokenizer.class);
            assertThat(preset).isInstanceOf(Gpt2Tokenizer.class);
            assertThat(t.endIds()).containsExactly(50256);
            assertThat(t.padId()).isEqualTo(50256);
        }
    }

    @Test
    void malformedFilesAreNamed() throws IOException {
        Path qwen = TestData.modelFolder("qwen3-tiny", tmp);
        Files.writeString(qwen.resolve(HfTokenizer.GENERATION_CONFIG_FILE), "{\"eos_token_id\": \"<|im_end|>\"}");
        assertThatThrownBy(() -> HfTokenizer.fromFolder(qwen))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("generation_config.json")
                .hasMessageContaining("eos_token_id");
        Files.writeString(qwen.resolve(HfTokenizer.GENERATION_CONFIG_FILE), "{\"eos_token_id\": 999999}");
        assertThatThrownBy(() -> HfTokenizer.fromFolder(qwen))
                .hasMessageContaining("end id 999999 is outside the vocabulary");
        Files.writeString(qwen.resolve(HfTokenizer.GENERATION_CONFIG_FILE), "[1, 2]");
        assertThatThrownBy(() -> HfTokenizer.fromFolder(qwen))
                .hasMessageContaining("generation_config.json is not a JSON object");
        Files.delete(qwen.resolve(HfTokenizer.GENERATION_CONFIG_FILE));
        Files.writeString(qwen.resolve(HfTokenizer.TOKENIZER_CONFIG_FILE), "{\"pad_token\": \"<|nope|>\"}");
        assertThatThrownBy(() -> HfTokenizer.fromFolder(qwen))
                .hasMessageContaining("pad_token '<|nope|>' is not one of the tokenizer's added tokens");
        Files.writeString(qwen.resolve(HfTokenizer.TOKENIZER_FILE), "{\"model\": 3}");
        assertThatThrownBy(() -> Tokenizers.forModel(qwen))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not a tokenizer.json");
        Files.delete(qwen.resolve(HfTokenizer.TOKENIZER_FILE));
        assertThatThrownBy(() -> HfTokenizer.fromFolder(qwen)).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void negativeIdsAreRefusedAndIdsPastTheTokenizerDecodeToNothingAsInHf() {
        try (Tokenizer t = Tokenizers.forModel(TestData.modelFolder("qwen3-tiny", tmp))) {
            assertThatThrownBy(() -> t.decode(new long[] {1, -1})).hasMessageContaining("outside the vocabulary");
            assertThat(t.vocabSize()).isEqualTo(151_669); // the model's embedding has 151,936 rows
            assertThat(t.decode(new long[] {t.vocabSize()})).isEmpty();
            assertThat(t.decode(new long[] {9707, 151_900, 11})).isEqualTo(t.decode(new long[] {9707, 11}));
        }
    }
}
