package dev.jgpt.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jgpt.datasets.DataSource;
import dev.jgpt.training.ClassifierConfig;
import dev.jgpt.training.InstructionFineTuner;
import dev.jgpt.training.PretrainConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The training commands share their option groups, and every default comes from the library's
 * book configs: parsing a command with only {@code --out} gives the book's values, and {@code
 * --help} shows them.
 */
class TrainingOptionsTest {

    private static <T> T parse(String command, Class<T> type, String... args) {
        CommandLine cli = new CommandLine(new JgptCli());
        String[] all = new String[args.length + 1];
        all[0] = command;
        System.arraycopy(args, 0, all, 1, args.length);
        cli.parseArgs(all);
        return type.cast(cli.getSubcommands().get(command).getCommand());
    }

    @Test
    void pretrainDefaultsAreTheBooksChapter5Values() {
        PretrainCommand c = parse("pretrain", PretrainCommand.class, "--out", "x");
        PretrainConfig book = PretrainConfig.book();
        PretrainConfig parsed = c.schedule.applyTo(c.training.applyTo(PretrainConfig.builder()))
                .contextLength(c.contextLength).sample(c.prompt, c.sampleTokens).sampleEvery(c.sampleEvery).build();
        assertThat(parsed).isEqualTo(book);
        assertThat(c.fresh.modelSize).isEqualTo("mini");
        assertThat(c.fresh.dropout).isEqualTo(0.1f);
        assertThat(c.data.data).isEqualTo(DataSource.THE_VERDICT.name());
    }

    @Test
    void classifierDefaultsAreTheBooksChapter6Values() {
        FinetuneClassifierCommand c = parse("finetune-classifier", FinetuneClassifierCommand.class, "--out", "x");
        assertThat(c.training.applyTo(ClassifierConfig.builder()).build()).isEqualTo(ClassifierConfig.book());
        assertThat(c.lora.config()).isNull();
        assertThat(c.fresh.modelSize).isEqualTo("tiny");
        assertThat(c.data.data).isEqualTo(DataSource.SMS_SPAM_COLLECTION.name());
    }

    @Test
    void instructDefaultsAreTheBooksChapter7Values() {
        FinetuneInstructCommand c = parse("finetune-instruct", FinetuneInstructCommand.class, "--out", "x");
        PretrainConfig book = InstructionFineTuner.bookSettings().contextLength(64).sample("p", 35).build();
        PretrainConfig parsed = c.schedule.applyTo(c.training.applyTo(PretrainConfig.builder()))
                .contextLength(64).sample("p", c.sampleTokens).build();
        assertThat(parsed).isEqualTo(book);
        assertThat(c.data.data).isEqualTo(DataSource.INSTRUCTION_DATA.name());
        assertThat(parse("generate-responses", GenerateResponsesCommand.class, "--model", "m", "--out", "o")
                .data.data).isEqualTo(DataSource.INSTRUCTION_DATA.name());
        // options given on the command line still win
        FinetuneInstructCommand given = parse("finetune-instruct", FinetuneInstructCommand.class, "--out", "x",
                "--epochs", "7", "--lr", "1e-3", "--lora-rank", "4");
        assertThat(given.training.epochs).isEqualTo(7);
        assertThat(given.training.lr).isEqualTo(1e-3f);
        assertThat(given.loraOptions.config().rank()).isEqualTo(4);
        assertThat(given.loraOptions.config().targetModules()).isNull(); // every layer the family offers
        FinetuneInstructCommand qv = parse("finetune-instruct", FinetuneInstructCommand.class, "--out", "x",
                "--lora-rank", "4", "--lora-targets", "q_proj,v_proj");
        assertThat(qv.loraOptions.config().targetModules()).containsExactly("q_proj", "v_proj");
        FinetuneInstructCommand all = parse("finetune-instruct", FinetuneInstructCommand.class, "--out", "x",
                "--lora-rank", "4", "--lora-targets", "all-linear");
        assertThat(all.loraOptions.config().targetsAll()).isTrue();
    }

    @Test
    void helpShowsTheLibrarysDefaults() {
        JgptCliTest.Result pretrain = JgptCliTest.run("pretrain", "--help");
        // picocli wraps the help at 80 columns, so a default may start a line
        assertThat(pretrain.out().replaceAll("\\s+", " ")).contains("(default: 10)").contains("(default: 0.0004)").contains("(default: mini)");
        JgptCliTest.Result classifier = JgptCliTest.run("finetune-classifier", "--help");
        assertThat(classifier.out().replaceAll("\\s+", " ")).contains("(default: 0.00005)").contains("(default: tiny)");
        JgptCliTest.Result instruct = JgptCliTest.run("finetune-instruct", "--help");
        assertThat(instruct.out().replaceAll("\\s+", " ")).contains("(default: 2)").contains("(default: 35)");
    }
}
