package dev.jgpt.model.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jgpt.model.io.PromptFormatFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PromptFormatTest {

    @TempDir Path tmp;

    @Test
    void oneUserMessageIsExactlyTheTuningPrompt() {
        String rendered = PromptFormat.ALPACA.render(List.of(new ChatMessage("user", "Name a colour.")));
        assertThat(rendered).isEqualTo(PromptFormat.ALPACA.prompt("Name a colour.", ""))
                .isEqualTo(PromptFormat.PREAMBLE + "\n\n### Instruction:\nName a colour.\n\n### Response:\n");
        assertThat(PromptFormat.ALPACA.instruction("Fix it.", "teh cat"))
                .isEqualTo(PromptFormat.PREAMBLE + "\n\n### Instruction:\nFix it.\n\n### Input:\nteh cat");
    }

    @Test
    void aSystemMessageReplacesThePreambleAndTurnsAlternate() {
        String rendered = PromptFormat.ALPACA.render(List.of(new ChatMessage("system", "Be brief."),
                new ChatMessage("user", "Hi"), new ChatMessage("assistant", "Hello."),
                new ChatMessage("user", "Bye")));
        assertThat(rendered).isEqualTo("Be brief.\n\n### Instruction:\nHi\n\n### Response:\nHello."
                + "\n\n### Instruction:\nBye\n\n### Response:\n");
    }

    @Test
    void aConversationThatCannotBeRenderedIsOneClearError() {
        assertThatThrownBy(() -> PromptFormat.ALPACA.render(List.of())).hasMessageContaining("last message");
        assertThatThrownBy(() -> PromptFormat.ALPACA.render(List.of(ChatMessage.user("Hi"),
                new ChatMessage("assistant", "Hello.")))).hasMessageContaining("last message must be the user's");
        assertThatThrownBy(() -> PromptFormat.ALPACA.render(List.of(ChatMessage.user("Hi"),
                new ChatMessage("system", "Late."), ChatMessage.user("Bye")))).hasMessageContaining("got 'system'");
    }

    @Test
    void theFormatTravelsWithTheModel() throws Exception {
        assertThat(PromptFormatFile.read(tmp)).isEqualTo(PromptFormat.ALPACA); // none stored: the project's format
        PromptFormatFile.save(PromptFormat.ALPACA, tmp);
        assertThat(Files.readString(tmp.resolve(PromptFormatFile.FILE))).contains("\"alpaca\"");
        assertThat(PromptFormatFile.read(tmp)).isEqualTo(PromptFormat.ALPACA);
        Files.writeString(tmp.resolve(PromptFormatFile.FILE), "{\"format\": \"chatml\"}");
        assertThatThrownBy(() -> PromptFormatFile.read(tmp)).hasMessageContaining("prompt_format.json")
                .hasMessageContaining("Unknown prompt format 'chatml'; known: alpaca");
        Files.writeString(tmp.resolve(PromptFormatFile.FILE), "{\"format\": 3}");
        assertThatThrownBy(() -> PromptFormatFile.read(tmp)).hasMessageContaining("prompt_format.json");
        Files.writeString(tmp.resolve(PromptFormatFile.FILE), "[]");
        assertThatThrownBy(() -> PromptFormatFile.read(tmp)).hasMessageContaining("prompt_format.json");
    }
}
