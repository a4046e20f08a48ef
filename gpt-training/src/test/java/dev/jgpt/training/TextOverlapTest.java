package dev.jgpt.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.jgpt.datasets.InstructionExample;
import java.util.List;
import org.junit.jupiter.api.Test;

class TextOverlapTest {

    @Test
    void normalisesLikeSquad() {
        assertThat(TextOverlap.normalize("The  Car, is FAST!")).isEqualTo("car is fast");
        assertThat(TextOverlap.exactMatch("The car is fast.", "car is fast")).isTrue();
        assertThat(TextOverlap.exactMatch("The car is fast.", "car is slow")).isFalse();
    }

    @Test
    void tokenF1CountsTheOverlap() {
        // response "car is very fast" vs reference "car is fast": common 3, p 3/4, r 1
        assertThat(TextOverlap.tokenF1("The car is very fast.", "The car is fast."))
                .isCloseTo(2 * 0.75 / 1.75, within(1e-12));
        assertThat(TextOverlap.tokenF1("nothing shared", "car is fast")).isZero();
        assertThat(TextOverlap.tokenF1("fast fast fast", "fast")).isCloseTo(0.5, within(1e-12));
        assertThat(TextOverlap.tokenF1("", "")).isEqualTo(1.0);
    }

    @Test
    void summarisesResponses() {
        InstructionExample e = new InstructionExample("i", "", "The car is fast.");
        TextOverlap.Summary s = TextOverlap.summarize(List.of(
                new InstructionResponses.Response(e, "the car is fast"),
                new InstructionResponses.Response(e, "a bike")));
        assertThat(s.count()).isEqualTo(2);
        assertThat(s.exactMatch()).isEqualTo(0.5);
        assertThat(s.tokenF1()).isCloseTo(0.5, within(1e-12));
    }
}
