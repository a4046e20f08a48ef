package dev.jgpt.examples.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jgpt.datasets.InstructionData;
import dev.jgpt.datasets.InstructionExample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PromptFormatTest {

    @TempDir Path tmp;

    @Test
    void oneUserMessageIsExactlyTheTuningPrompt() {
        String rendered = PromptFormat.ALPACA.render(List.of(new PromptFormat.Message("user", "Name a colour.")));
        assertThat(rendered).isEqualTo(InstructionData.formatPrompt(new InstructionExample("Name a colour.", "", ""))
                + InstructionData.responsePrefix());
    }

    @Test
    void aSystemMessageReplacesThePreambleAndTurnsAlternate() {
        String rendered = PromptFormat.ALPACA.render(List.of(new PromptFormat.Message("system", "Be brief."),
                new PromptFormat.Message("user", "Hi"), new PromptFormat.Message("assistant", "Hello."),
                new PromptFormat.Message("user", "Bye")));
        assertThat(rendered).isEqualTo("Be brief.\n\n### Instruction:\nHi\n\n### Response:\nHello."
                + "\n\n### Instruction:\nBye\n\n### Response:\n");
    }

    @Test
    void theFormatTravelsWithTheModel() throws Exception {
        assertThat(PromptFormat.of(tmp)).isEqualTo(PromptFormat.ALPACA); // none stored: the project's format
        PromptFormat.ALPACA.save(tmp);
        assertThat(Files.readString(tmp.resolve(PromptFormat.FILE))).contains("\"alpaca\"");
        assertThat(PromptFormat.of(tmp)).isEqualTo(PromptFormat.ALPACA);
        Files.writeString(tmp.resolve(PromptFormat.FILE), "{\"format\": \"chatml\"}");
        assertThatThrownBy(() -> PromptFormat.of(tmp)).hasMessageContaining("prompt_format.json");
    }
}
