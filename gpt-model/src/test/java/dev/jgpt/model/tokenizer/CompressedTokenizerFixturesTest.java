package dev.jgpt.model.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.jgpt.model.testing.TestData;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Qwen3 and Llama 3 {@code tokenizer.json} files are stored gzip-compressed in {@code
 * testdata/} and read compressed: DJL's tokenizer built from the stream gives every reference
 * vector's ids (made by an independent JavaScript implementation).
 */
class CompressedTokenizerFixturesTest {

    @ParameterizedTest
    @CsvSource({"qwen3-tiny, qwen3-vectors.json", "llama32-tiny, llama3-vectors.json"})
    void aCompressedTokenizerJsonGivesTheReferenceIds(String folder, String vectors) throws IOException {
        JsonObject o = JsonParser.parseString(
                Files.readString(TestData.fixture("tokenizer").resolve(vectors))).getAsJsonObject();
        Map<String, String> options = Map.of("addSpecialTokens", "false", "padding", "false", "truncation", "false");
        int checked = 0;
        try (InputStream in = TestData.openGzipped(folder + "/tokenizer.json");
                HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(in, options)) {
            for (JsonElement e : o.getAsJsonArray("vectors")) {
                JsonObject v = e.getAsJsonObject();
                long[] expected = StreamSupport.stream(v.getAsJsonArray("ids").spliterator(), false)
                        .mapToLong(JsonElement::getAsLong).toArray();
                String text = v.get("text").getAsString();
                assertThat(tokenizer.encode(text).getIds()).as(text).containsExactly(expected);
                checked++;
            }
        }
        assertThat(checked).isGreaterThanOrEqualTo(10);
    }
}
